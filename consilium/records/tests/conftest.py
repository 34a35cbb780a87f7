import pytest

from consilium.accounts.models import PatientIdentity, Sex


@pytest.fixture
def maria(users):
    """The case's patient, Maria Lopez, born 1961-03-04, who has said who she is."""
    patient = users["patient"]
    patient.first_name, patient.last_name = "Maria", "Lopez"
    patient.save()
    PatientIdentity.objects.create(user=patient, given_names="Maria", family_name="Lopez",
                                   birth_date="1961-03-04", sex=Sex.FEMALE)
    return patient
