"""Making a complete directory entry in one call (demo data, tests, the benchmark generator):
the specialist, their primary specialty, a current board certification, their institution
and a practice location placed by its ZIP code."""

from datetime import date

from . import geo
from .models import (
    BoardCertification,
    Institution,
    PracticeLocation,
    Specialist,
    SpecialistTaxonomy,
)

# The boards that certify the specialties used in demo data (ABMS member boards).
BOARDS = {
    "207R": "American Board of Internal Medicine", "2086": "American Board of Surgery",
    "2085": "American Board of Radiology", "207X": "American Board of Orthopaedic Surgery",
    "2084": "American Board of Psychiatry and Neurology",
    "207T": "American Board of Neurological Surgery",
}


def build_specialist(*, name: str, taxonomy_code: str, specialty: str, institution: str,
                     hospital_system: str, postal_code: str = "", city: str = "",
                     state: str = "", academic: bool = False, centre_type: str = "",
                     certified: bool = True, user=None, **fields) -> Specialist:
    first, _, last = name.removeprefix("Dr. ").rpartition(" ")
    specialist = Specialist.objects.create(
        name=name, first_name=first, last_name=last, user=user, taxonomy_code=taxonomy_code,
        specialty=specialty, institution=institution, hospital_system=hospital_system,
        city=city, state=state, **fields)
    SpecialistTaxonomy.objects.create(specialist=specialist, code=taxonomy_code, primary=True)
    if certified:
        BoardCertification.objects.create(
            specialist=specialist, specialty=specialty,
            board=BOARDS.get(taxonomy_code[:4], "American Board of Medical Specialties"),
            expires=date(date.today().year + 5, 12, 31))
    place, _ = Institution.objects.get_or_create(
        name=institution, hospital_system=hospital_system,
        defaults=dict(academic=academic, centre_type=centre_type, city=city, state=state))
    specialist.institutions.add(place)
    point = geo.zip_point(postal_code)
    PracticeLocation.objects.create(
        specialist=specialist, city=city, state=state, postal_code=postal_code,
        latitude=point[0] if point else None, longitude=point[1] if point else None)
    return specialist
