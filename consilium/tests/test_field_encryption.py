"""Free-text health data is ciphertext in the database (issue 17, finding 7): read with a
plain SQL cursor, no column holds what the patient, the specialist or the coordinator wrote;
the pages still show it; an altered or moved value fails loudly; rotate_keys seals it again."""

import base64
import io
import secrets
from datetime import timedelta

import pydicom
import pytest
from django.apps import apps
from django.core.exceptions import FieldError
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from consilium import fields
from consilium.accounts.actions import do_save_identity
from consilium.cases.intake_actions import do_save_intake_summary
from consilium.comparison.actions import do_review_comparison
from consilium.conftest import PASSWORD, sign_request
from consilium.consultations.actions import (
    do_accept_consultation,
    do_decline_consultation,
    do_offer_consultation,
    do_offer_part,
    do_withdraw_consultation,
)
from consilium.conversations.actions import do_send_message
from consilium.conversations.models import Message
from consilium.crypto import Tampered
from consilium.decisions.actions import do_record_decision, do_save_decision_aid
from consilium.followup.actions import do_answer_outcome, do_start_plan
from consilium.followup.models import OutcomeCheck
from consilium.journal.actions import do_add_note
from consilium.journal.models import JournalNote
from consilium.opinions.actions import do_add_addendum, do_ask_follow_up, is_intact
from consilium.opinions.models import Opinion
from consilium.opinions.part_actions import do_save_part
from consilium.records.actions import Upload, do_add_records
from consilium.records.models import ImagingSeries
from consilium.records.request_actions import do_request_records
from consilium.records.tests.test_dicom import SAMPLES
from consilium.stories.actions import do_draft_story
from consilium.stories.models import Story

MARK = "zebrafinch"
# What the shared fixtures write: the first opinion, the questions, the signed opinion.
WRITTEN = ["Breast cancer, left breast", "Mastectomy", "Is breast-conserving surgery",
           "Lumpectomy with radiation", "Equal survival", "Keeps the breast",
           "Daily radiation", "An answer.", "a smaller operation", MARK]
CT = SAMPLES / "cornerstonejs-dicomParser" / "CT1_UNC.explicit_little_endian.dcm"
NOT_OURS = {"terminology", "directory", "auth", "contenttypes", "sessions", "admin", "axes",
            "otp_totp", "otp_static", "django_tasks_database",
            "mfa"}


def imaging_and_a_decline(journey, users, specialists, tmp_path) -> None:
    """Another case: a DICOM image whose free-text header names the patient (as the security
    review found), and a specialist who declines it giving a reason."""
    case, _ = journey("submitted", patient="patient2")
    do_save_intake_summary(case, {"history": f"{MARK} history",
                                  "key_question": f"{MARK} key question",
                                  "records_show": f"{MARK} findings",
                                  "missing": f"{MARK} missing"},
                           acting_user=users["coordinator"], base_version=0)
    ds = pydicom.dcmread(CT)
    ds.StudyDescription, ds.SeriesDescription = f"{MARK} study", f"{MARK} series"
    ds.BodyPartExamined = MARK.upper()
    ds.save_as(tmp_path / "ct.dcm")
    with (tmp_path / "ct.dcm").open("rb") as image:
        upload = Upload("ct.dcm", image, (tmp_path / "ct.dcm").stat().st_size)
        assert do_add_records(case, [upload], acting_user=users["patient2"])[0].status == "stored"
    consultation = do_offer_consultation(case, specialists["specialist2"].id,
                                         acting_user=users["coordinator"])
    do_decline_consultation(consultation, f"{MARK} reason", acting_user=users["specialist2"])
    offer = do_offer_consultation(case, specialists["specialist"].id,
                                  acting_user=users["coordinator"])
    do_withdraw_consultation(offer, f"{MARK} withdrawn", acting_user=users["coordinator"])
    # A part of a combined review: what is asked, and the findings.
    part = do_offer_part(case, specialists["specialist2"].id, f"{MARK} asked",
                         acting_user=users["coordinator"])
    do_accept_consultation(part, acting_user=users["specialist2"])
    do_save_part(part, f"{MARK} part findings", acting_user=users["specialist2"],
                 base_version=0)


@pytest.fixture
def written(journey, users, specialists, tmp_path):
    """A case with every kind of free text written through the actions."""
    patient, specialist = users["patient"], users["specialist"]
    do_save_identity(patient, {"given_names": f"{MARK} Maria", "family_name": "Lopez",
                               "birth_date": "1961-03-04", "record_number": f"{MARK}-1",
                               "record_number_issuer": f"{MARK} Hospital"},
                     acting_user=patient)
    imaging_and_a_decline(journey, users, specialists, tmp_path)
    case, consultation = journey("opinion_delivered")
    opinion = Opinion.objects.get(consultation=consultation)
    do_send_message(case, {"body": f"{MARK} message"}, acting_user=patient)
    note = do_add_note(case, f"{MARK} journal note", acting_user=patient)
    do_draft_story(case, f"{MARK} title", f"{MARK} story", [note.id], acting_user=patient)
    question = do_ask_follow_up(opinion, f"{MARK} follow-up?", acting_user=patient)
    do_add_addendum(opinion, f"{MARK} addendum", acting_user=specialist,
                    request=sign_request(), secret=PASSWORD, answers=question)
    # Only a comparison the rules and the specialist disagree on is reviewed (its policy).
    type(opinion.comparison).objects.filter(pk=opinion.comparison.pk).update(
        review=["The specialist judged the treatment modified."])
    opinion.comparison.refresh_from_db()
    do_review_comparison(opinion.comparison, diagnosis="confirmed", treatment="modified",
                         note=f"{MARK} review", acting_user=users["coordinator"])
    do_save_decision_aid(case, {"support": f"{MARK} support", "next_steps": f"{MARK} step"},
                         acting_user=patient)
    do_record_decision(case, "first_opinion", f"{MARK} at first", acting_user=patient)
    do_record_decision(case, "second_opinion", f"{MARK} because", acting_user=patient)
    do_start_plan(case, acting_user=patient)
    check = OutcomeCheck.objects.filter(case=case).first()
    OutcomeCheck.objects.filter(id=check.id).update(
        due_date=timezone.localdate() - timedelta(days=1))
    check.refresh_from_db()
    do_answer_outcome(check, "second", f"{MARK} outcome", acting_user=patient)
    # Who treats the patient, and what they are asked for (records.RecordsRequest).
    do_request_records(case, {
        "provider_name": f"{MARK} Clinic", "provider_address": f"{MARK} Road",
        "provider_phone": "+1 555 0100", "provider_fax": "+1 555 0101",
        "provider_email": f"{MARK}@clinic.example.org", "asked_text": f"{MARK} scans"},
        acting_user=users["coordinator"])
    return case


def raw_column(model, name: str) -> list:
    quote = connection.ops.quote_name
    column = model._meta.get_field(name).column
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {quote(column)} FROM {quote(model._meta.db_table)}")
        return [row[0] for row in cursor.fetchall()]


def set_raw(model, name: str, pk, value) -> None:
    quote = connection.ops.quote_name
    column = model._meta.get_field(name).column
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {quote(model._meta.db_table)} SET {quote(column)} = %s "
                       f"WHERE {quote(model._meta.pk.column)} = %s",
                       [value, model._meta.pk.get_db_prep_value(pk, connection)])


def test_every_encrypted_column_holds_only_ciphertext(written):
    columns = fields.encrypted_columns()
    assert {f"{m._meta.label}.{n}" for m, n in columns} >= {
        "conversations.Message.body", "journal.JournalNote.text", "stories.Story.text",
        "cases.Case.diagnosis_text", "cases.Question.text", "opinions.Opinion.reasoning",
        "opinions.Opinion.signed_content", "opinions.Addendum.body",
        "followup.OutcomeCheck.outcome", "decisions.Decision.explanation",
        "records.ImagingSeries.study_description", "records.ImagingSeries.series_description",
        "records.ImagingSeries.body_part", "consultations.Consultation.decline_reason",
        "consultations.Consultation.end_reason", "accounts.PatientIdentity.given_names",
        "accounts.PatientIdentity.birth_date", "records.Record.subject",
        "records.RecordsRequest.provider_name", "records.RecordsRequest.provider_address",
        "records.RecordsRequest.asked_text",
        "cases.IntakeSummary.history", "cases.IntakeSummary.key_question",
        "cases.IntakeSummary.records_show", "cases.IntakeSummary.missing"}
    for model, name in columns:
        stored = raw_column(model, name)
        assert stored, f"the scenario writes no {model.__name__}.{name}"
        assert all(v is None or v.startswith(fields.current_prefix()) for v in stored), \
            f"{model.__name__}.{name}"


def test_what_was_written_appears_nowhere_in_the_database(written):
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model in apps.get_models():
            if model._meta.app_label in NOT_OURS or not model._meta.managed:
                continue
            cursor.execute(f"SELECT * FROM {quote(model._meta.db_table)}")
            for row in cursor.fetchall():
                text = " ".join(str(value) for value in row)
                found = [w for w in WRITTEN if w.lower() in text.lower()]
                assert not found, f"{model._meta.label} holds {found} in clear"


def test_pages_and_the_api_show_the_plain_text(written, users, login, client, api):
    login(users["patient"])
    assert f"{MARK} message" in client.get(f"/cases/{written.id}/messages/").content.decode()
    assert f"{MARK} journal note" in client.get(f"/cases/{written.id}/journal/").content.decode()
    assert f"{MARK} story" in client.get(f"/cases/{written.id}/story/").content.decode()
    assert f"{MARK} addendum" in client.get(f"/cases/{written.id}/").content.decode()
    case = api(users["patient"], "GET", f"/cases/{written.id}").json()
    assert case["diagnosis_text"] == "Breast cancer, left breast"
    opinion = Opinion.objects.get(consultation__case=written)
    assert is_intact(opinion)  # the signature's hash covers the decrypted text
    assert opinion.signed_content["reasoning"].startswith("Equal survival")


def test_imaging_headers_and_a_decline_reason_show_in_plain_text(written, users, login, client):
    series = ImagingSeries.objects.get()
    login(users["patient2"])
    page = client.get(f"/cases/{series.case_id}/records/").content.decode()
    assert f"{MARK} study" in page and f"{MARK} series" in page and MARK.upper() in page
    login(users["coordinator"])
    page = client.get(f"/cases/{series.case_id}/").content.decode()
    assert f"{MARK} reason" in page and f"{MARK} key question" in page


def test_an_altered_value_fails_loudly(written, users, login, client):
    message = Message.objects.get(case=written)
    stored = raw_column(Message, "body")[0]
    head, _, payload = stored.rpartition(":")
    sealed = bytearray(base64.b64decode(payload))
    sealed[len(sealed) // 2] ^= 1  # one bit of the ciphertext
    flipped = f"{head}:{base64.b64encode(bytes(sealed)).decode()}"
    set_raw(Message, "body", message.pk, flipped)
    login(users["patient"])
    with pytest.raises(Tampered):
        client.get(f"/cases/{written.id}/messages/")
    with pytest.raises(Tampered):
        Message.objects.get(pk=message.pk)


def test_a_value_moved_to_another_column_or_left_plain_does_not_open(written):
    story = Story.objects.get(case=written)
    # A private journal note pasted into the story, which is public once published.
    set_raw(Story, "text", story.pk, raw_column(JournalNote, "text")[0])
    with pytest.raises(Tampered, match="stories_story.text"):
        Story.objects.get(pk=story.pk)
    set_raw(Story, "text", story.pk, "written in clear")
    with pytest.raises(Tampered, match="not encrypted"):
        Story.objects.get(pk=story.pk)


def test_queries_cannot_look_inside(written):
    with pytest.raises(FieldError):
        Message.objects.filter(body=f"{MARK} message").count()
    with pytest.raises(FieldError):
        JournalNote.objects.filter(text__icontains=MARK).count()
    assert Message.objects.filter(body__isnull=False).count() == 1


def test_rotate_keys_seals_every_value_again(written, settings):
    before = {(m, n): raw_column(m, n) for m, n in fields.encrypted_columns()}
    new_key = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
    settings.RECORDS_MASTER_KEYS = [new_key, *settings.RECORDS_MASTER_KEYS]
    assert Message.objects.get().body == f"{MARK} message"  # still opens with the old key
    out = io.StringIO()
    call_command("rotate_keys", stdout=out)
    count = sum(len([v for v in values if v is not None]) for values in before.values())
    assert f"Encrypted {count} column values again" in out.getvalue()
    for model, name in before:
        assert all(v is None or v.startswith(fields.current_prefix())
                   for v in raw_column(model, name))
    settings.RECORDS_MASTER_KEYS = [new_key]  # the old master key is gone
    assert Message.objects.get().body == f"{MARK} message"
    assert Story.objects.get().text.startswith(f"{MARK} story")
    assert is_intact(Opinion.objects.get(consultation__case=written))
    out = io.StringIO()
    call_command("rotate_keys", stdout=out)
    assert "Encrypted 0 column values again" in out.getvalue()


def test_the_migration_step_seals_plain_rows_and_opens_them_when_reversed(written):
    note = JournalNote.objects.get()
    opinion = Opinion.objects.get(consultation__case=written)
    signed = opinion.signed_content
    set_raw(JournalNote, "text", note.pk, "left in clear")
    set_raw(Opinion, "signed_content", opinion.pk, '{"reasoning": "left in clear"}')
    assert fields.encrypt_column(JournalNote, "text") == 1
    assert fields.encrypt_column(Opinion, "signed_content") == 1
    assert fields.encrypt_column(JournalNote, "text") == 0  # nothing left to seal
    assert raw_column(JournalNote, "text")[0].startswith(fields.current_prefix())
    assert JournalNote.objects.get().text == "left in clear"
    assert Opinion.objects.get(pk=opinion.pk).signed_content == {"reasoning": "left in clear"}
    assert fields.decrypt_column(JournalNote, "text") == 1
    assert raw_column(JournalNote, "text") == ["left in clear"]
    assert signed  # the fixture's signed content was read back whole before
