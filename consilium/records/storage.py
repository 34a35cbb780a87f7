"""Writing and reading record files through Django's storage API, encrypted by crypto.py.

The local folder by default; S3-compatible object storage when STORAGES["default"] says so
(settings: CONSILIUM_S3_BUCKET and friends).

The encrypted copy is written to a named temporary file beside the storage folder, so the
local storage moves it into place (a rename) instead of copying gigabytes a second time.
"""

import io
import os
import secrets
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, BinaryIO

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage

from consilium import crypto

# Prefix of the temporary encrypted copies; clear_stale_uploads removes forgotten ones.
SEAL_PREFIX = "seal-"


class _MovableFile(File):
    """A file Django's local storage may move rather than copy (it asks for its path)."""

    def __init__(self, temp: IO[bytes]):
        super().__init__(temp)
        self.temp_path: str = temp.name

    def temporary_file_path(self) -> str:
        return self.temp_path


@dataclass
class Sealed:
    """An encrypted copy waiting in a temporary file until it is kept or thrown away."""

    temp: IO[bytes]
    sha256: str
    size: int
    wrapped_key: str
    key_id: str

    def keep(self, folder: str = "records") -> str:
        """Put the encrypted bytes into storage; return their storage name."""
        self.temp.seek(0)
        name = default_storage.save(f"{folder}/{uuid.uuid4().hex}.enc",
                                    _MovableFile(self.temp))
        self.discard()
        return name

    def discard(self) -> None:
        self.temp.close()
        try:  # gone already when the storage moved it into place
            os.unlink(self.temp.name)
        except FileNotFoundError:
            pass


def seal(source: IO[bytes]) -> Sealed:
    """Encrypt ``source`` with a new file key into a temporary file (memory: one segment)."""
    file_key = secrets.token_bytes(32)
    temp = tempfile.NamedTemporaryFile(dir=settings.FILE_UPLOAD_TEMP_DIR, prefix=SEAL_PREFIX,
                                       delete=False)
    try:
        source.seek(0)
        sha256, size = crypto.encrypt_stream(source, temp, file_key)
    except BaseException:
        temp.close()
        os.unlink(temp.name)
        raise
    wrapped_key, key_id = crypto.wrap(file_key)
    return Sealed(temp, sha256, size, wrapped_key, key_id)


def seal_bytes(data: bytes) -> Sealed:
    return seal(io.BytesIO(data))


def open_plaintext(record) -> Iterator[bytes]:
    """Yield a record's plaintext; the SHA-256 recorded at upload is checked at the end."""
    file_key = crypto.unwrap(record.wrapped_key, record.key_id)
    with default_storage.open(record.storage_name, "rb") as stored:
        yield from crypto.decrypt_stream(stored, file_key, record.sha256)


def delete(storage_name: str) -> None:
    default_storage.delete(storage_name)


def plaintext_copy(record) -> BinaryIO:
    """A temporary file holding the record's plaintext (for tools that need to seek)."""
    temp = tempfile.TemporaryFile(dir=settings.FILE_UPLOAD_TEMP_DIR)
    for chunk in open_plaintext(record):
        temp.write(chunk)
    temp.seek(0)
    return temp
