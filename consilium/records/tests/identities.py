"""For tests whose files are about someone else (every sample is): the case's patient takes
the identity a file names, or confirms the held records as a patient would."""

from datetime import date
from pathlib import Path

import orjson

from consilium.accounts.models import PatientIdentity
from consilium.records.holds import do_confirm_record
from consilium.records.models import IdentityCheck, Record


def take_identity_of(user, bundle: Path) -> None:
    """``user`` becomes the person of a Synthea bundle (their name and birth date)."""
    [patient] = [e["resource"] for e in orjson.loads(bundle.read_bytes())["entry"]
                 if e["resource"]["resourceType"] == "Patient"]
    name = patient["name"][0]
    PatientIdentity.objects.update_or_create(user=user, defaults={
        "given_names": " ".join(name["given"]), "family_name": name["family"],
        "birth_date": date.fromisoformat(patient["birthDate"]).isoformat()})


def confirm_held(case, user) -> int:
    """Confirm every record of the case on hold, as ``user``; return how many."""
    held = list(Record.objects.filter(case=case, identity=IdentityCheck.HELD, source=None))
    for record in held:
        do_confirm_record(record, acting_user=user)
    return len(held)
