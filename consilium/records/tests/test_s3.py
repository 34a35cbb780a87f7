"""Record files on S3-compatible object storage (django-storages), against moto's S3 server
running locally: the same uploads, reads, pictures and deletions as on the local folder, and
only ciphertext in the bucket."""

import io
import socket
import uuid

import boto3
import pytest
from moto.server import ThreadedMotoServer

from consilium.records import storage
from consilium.records.actions import Upload, do_add_records
from consilium.records.tasks import read_record
from consilium.tests.test_settings import manage

from .test_reading import note_pdf, note_text

KEYS = {"access_key": "consilium-test", "secret_key": "consilium-test-secret"}


@pytest.fixture(scope="module")
def s3_endpoint():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def bucket(s3_endpoint, settings):
    name = f"consilium-{uuid.uuid4().hex[:12]}"
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1",
                          aws_access_key_id=KEYS["access_key"],
                          aws_secret_access_key=KEYS["secret_key"])
    client.create_bucket(Bucket=name)
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {"bucket_name": name, "endpoint_url": s3_endpoint,
                    "region_name": "us-east-1", "file_overwrite": False, **KEYS},
    }}
    return client, name


def objects(bucket) -> dict[str, bytes]:
    client, name = bucket
    listing = client.list_objects_v2(Bucket=name).get("Contents", [])
    return {o["Key"]: client.get_object(Bucket=name, Key=o["Key"])["Body"].read()
            for o in listing}


def test_records_and_their_pictures_live_encrypted_in_the_bucket(bucket, journey, users,
                                                                 client, login):
    case, _ = journey("submitted")
    text = note_text("pathology_3084_Pathology_Ovarian_Cyst.txt")
    pdf = note_pdf(text)
    (outcome,) = do_add_records(case, [Upload("report.pdf", io.BytesIO(pdf), len(pdf))],
                                acting_user=users["patient"])
    assert read_record.call(str(outcome.record.id)) == "done"
    stored = objects(bucket)
    assert sorted(k.split("/")[0] for k in stored) == ["previews", "records"]
    for data in stored.values():
        assert not data.startswith((b"%PDF", b"\x89PNG")) and b"ovar" not in data.lower()
    login(users["patient"])
    download = client.get(f"/cases/{case.id}/records/{outcome.record.id}/")
    assert b"".join(download.streaming_content) == pdf
    picture = client.get(f"/cases/{case.id}/records/{outcome.record.id}/preview.png")
    assert picture.content.startswith(b"\x89PNG")


def test_a_file_is_deleted_from_the_bucket(bucket):
    name = storage.seal_bytes(b"some bytes").keep()
    assert name in objects(bucket)
    storage.delete(name)
    assert name not in objects(bucket)


def test_the_environment_switches_a_fresh_process_to_the_bucket(bucket, s3_endpoint,
                                                               tmp_path):
    _, name = bucket
    script = (
        "from django.core.files.storage import default_storage as d;"
        "from consilium.records import storage as s;"
        "sealed = s.seal_bytes(b'hello from a fresh process');"
        "sealed.name = sealed.keep();"
        "sealed.storage_name = sealed.name;"
        "print(type(d._wrapped).__name__, b''.join(s.open_plaintext(sealed)).decode())"
    )
    result = manage("shell", "-c", script, tmp_path=tmp_path, env={
        "CONSILIUM_DEBUG": "1", "CONSILIUM_S3_BUCKET": name,
        "CONSILIUM_S3_ENDPOINT_URL": s3_endpoint, "CONSILIUM_S3_REGION": "us-east-1",
        "CONSILIUM_S3_ACCESS_KEY_ID": KEYS["access_key"],
        "CONSILIUM_S3_SECRET_ACCESS_KEY": KEYS["secret_key"],
    })
    assert result.stdout.strip().splitlines()[-1] == "S3Storage hello from a fresh process", (
        result.stdout + result.stderr)
    assert len(objects(bucket)) == 1
