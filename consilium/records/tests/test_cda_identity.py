"""HL7 CDA documents are checked for identity (issue #19): the patient a CDA names in its
header (recordTarget/patientRole: its ids, patient/name, birthTime) is compared with the
case's patient like a FHIR Patient, so another person's CDA is held; the guardian, author
and others named in it are not the patient; the XML is read without entities, DTDs or the
network.

The documents are written here in the shape of HL7's C-CDA R2.1 examples (HL7/C-CDA-Examples,
Documents/Consultation Note: a legal name and a search name, a guardian, a custodian)."""

import io
import time

import pytest

from consilium.records.actions import Upload, do_add_records
from consilium.records.holds import judge_again
from consilium.records.identity import from_cda, is_cda
from consilium.records.models import IdentityCheck, Record


def cda(given="Maria", family="Lopez", born="19610304", *, ns=True, mrn=("", ""),
        doctype="", extra_name="", head="") -> str:
    names = f"""<name use="L"><given>{given}</given><family qualifier="SP">{family}</family>
        </name>{extra_name}"""
    root, extension = mrn
    ident = f'<id root="{root}" extension="{extension}"/>' if root else ""
    xmlns = ' xmlns="urn:hl7-org:v3" xmlns:sdtc="urn:hl7-org:sdtc"' if ns else ""
    return f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>{doctype}
<?xml-stylesheet type="text/xsl" href="CDA.xsl"?>
<!-- Title: Consultation Note. {head} -->
<ClinicalDocument{xmlns}>
  <realmCode code="US"/>
  <typeId root="2.16.840.1.113883.1.3" extension="POCD_HD000040"/>
  <code codeSystem="2.16.840.1.113883.6.1" code="11488-4" displayName="Consultation Note"/>
  <title>Community Health Consult Note</title>
  <recordTarget><patientRole>
    <id extension="444-22-2222" root="2.16.840.1.113883.4.1"/>{ident}
    <addr use="HP"><city>Beaverton</city><state>OR</state></addr>
    <patient>{names}
      <administrativeGenderCode code="F" codeSystem="2.16.840.1.113883.5.1"/>
      <birthTime value="{born}"/>
      <guardian><guardianPerson><name><given>Boris</given><family>Wolf</family></name>
      </guardianPerson></guardian>
    </patient>
    <providerOrganization><name>The DoctorsTogether Physician Group</name></providerOrganization>
  </patientRole></recordTarget>
  <author><assignedAuthor><assignedPerson><name><given>Patricia</given>
    <family>Primary</family></name></assignedPerson></assignedAuthor></author>
  <component><structuredBody><component><section><title>ALLERGIES</title>
    <text>Penicillin: nausea. Heart failure; furosemide 40 mg daily.</text>
  </section></component></structuredBody></component>
</ClinicalDocument>
"""


@pytest.fixture(autouse=True)
def read_at_once(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def case(journey, maria):
    return journey("accepted")[0]


def add(case, user, text: str, django_capture_on_commit_callbacks, name="note.xml") -> Record:
    data = text.encode()
    with django_capture_on_commit_callbacks(execute=True):
        [outcome] = do_add_records(case, [Upload(name, io.BytesIO(data), len(data))],
                                   acting_user=user)
    assert outcome.status == "stored", outcome
    return Record.objects.get(id=outcome.record.id)


def test_the_patient_of_a_cda_is_read_and_no_one_else():
    subject = from_cda(cda(extra_name='<name use="SRCH"><given>Maria</given>'
                                      "<family>Everywoman</family></name>"))
    assert subject.names == ("Maria Lopez", "Maria Everywoman")
    assert [d.isoformat() for d in subject.birth_dates] == ["1961-03-04"]
    assert ("2.16.840.1.113883.4.1", "444-22-2222") in subject.numbers
    assert not any("Boris" in n or "Patricia" in n for n in subject.names)  # guardian, author
    assert from_cda(cda(ns=False)).names == ("Maria Lopez",)  # a sloppy export, no namespace


def test_sloppy_and_hostile_xml_is_read_safely_or_not_at_all():
    for text in ("", "   ", "<ClinicalDocument", "<ClinicalDocument><recordTarget>",
                 "<?xml version='1.0'?><ClinicalDocument/>", "\x00<ClinicalDocument/>",
                 cda(born="1961"), cda(born="19611399"), cda(born="not a date")):
        subject = from_cda(text)
        assert subject.birth_dates == ()
    assert not is_cda("Patient: Maria Lopez\nClinicalDocument mentioned in a letter")
    assert not is_cda('{"resourceType": "Bundle"}')
    assert is_cda("\ufeff" + cda())
    # a cut file is read as far as it goes (the header comes first)
    assert from_cda(cda()[:1400]).names == ("Maria Lopez",)
    # no entity is expanded: neither a file (XXE) nor a billion laughs
    laughs = "".join(f'<!ENTITY l{n + 1} "{f"&l{n};" * 10}">' for n in range(9))
    doctype = ('<!DOCTYPE ClinicalDocument [<!ENTITY xxe SYSTEM "file:///etc/passwd">'
               f'<!ENTITY l0 "ha">{laughs}]>')
    started = time.monotonic()
    subject = from_cda(cda(given="&xxe;", family="&l9;", doctype=doctype))
    assert time.monotonic() - started < 2
    assert not any("root:" in n or "haha" in n for n in subject.names)


def test_another_persons_cda_is_held(case, maria, django_capture_on_commit_callbacks):
    record = add(case, maria, cda("Michele", "Wolf", "19581205"),
                 django_capture_on_commit_callbacks)
    assert record.identity == IdentityCheck.HELD
    assert "name" in record.hold_reason and "birth date" in record.hold_reason
    assert "Wolf" not in record.hold_reason and "Michele" not in record.hold_reason
    # the same birth date and a different name: held too
    other = add(case, maria, cda("Michele", "Wolf"), django_capture_on_commit_callbacks,
                name="other.xml")
    assert other.identity == IdentityCheck.HELD


def test_the_patients_own_cda_is_used(journey, maria, django_capture_on_commit_callbacks):
    maria.identity.record_number_issuer = "Riverside Cancer Center"
    maria.identity.record_number = "MRN-1234"
    maria.identity.save()
    case = journey("accepted")[0]
    record = add(case, maria, cda("MARÍA", "LÓPEZ"), django_capture_on_commit_callbacks)
    assert record.identity == IdentityCheck.FITS and not record.hold_reason
    # her record number at the same institution (the CDA's assigning authority) fits too
    mrn = cda(mrn=("2.16.840.1.113883.19.5", "MRN-1234"), doctype="").replace(
        'root="2.16.840.1.113883.19.5"',
        'root="2.16.840.1.113883.19.5" assigningAuthorityName="Riverside Cancer Center"')
    assert add(case, maria, mrn, django_capture_on_commit_callbacks,
               name="mrn.xml").identity == IdentityCheck.FITS
    wrong = mrn.replace('extension="MRN-1234"', 'extension="MRN-9999"')
    held = add(case, maria, wrong, django_capture_on_commit_callbacks, name="wrong.xml")
    assert held.identity == IdentityCheck.HELD and "record number" in held.hold_reason


def test_a_cda_is_judged_again_when_the_patient_says_who_she_is(
        case, maria, django_capture_on_commit_callbacks):
    record = add(case, maria, cda("Maria", "Lopez", "19700101"),
                 django_capture_on_commit_callbacks)
    assert record.identity == IdentityCheck.HELD  # another birth date
    maria.identity.birth_date = "1970-01-01"
    maria.identity.save()
    judge_again(maria)
    record.refresh_from_db()
    assert record.identity == IdentityCheck.FITS
