import pytest


@pytest.fixture
def riverside_case(journey):
    """A submitted breast cancer case whose first opinion came from Riverside, near Denver."""
    case, _ = journey("submitted")
    case.diagnosis_codes, case.diagnosis_text = ["C50.912"], "Breast cancer"
    case.institution, case.hospital_system = "Riverside Cancer Ctr", "Riverside Health System"
    case.patient_location, case.travel_km = "80218", 150
    case.save()
    return case
