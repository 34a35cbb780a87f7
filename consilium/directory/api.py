from django.db.models import Q
from ninja import Router, Schema

from .models import Specialist

router = Router(tags=["directory"])


class SpecialistOut(Schema):
    id: int
    name: str
    specialty: str
    taxonomy_code: str
    board_certified: bool
    institution: str
    hospital_system: str
    city: str
    state: str
    telemedicine: bool
    languages: list[str]
    accepting_cases: bool
    turnaround_days: int


class SpecialistPage(Schema):
    count: int
    items: list[SpecialistOut]


@router.get("", response=SpecialistPage)
def list_specialists(request, q: str = "", accepting: bool | None = None,
                     limit: int = 50, offset: int = 0):
    """The directory, filtered by words in name, specialty, institution or system."""
    limit = max(1, min(limit, 200))
    offset = max(0, offset)
    specialists = Specialist.objects.all()
    if q:
        specialists = specialists.filter(
            Q(name__icontains=q) | Q(specialty__icontains=q)
            | Q(institution__icontains=q) | Q(hospital_system__icontains=q)
        )
    if accepting is not None:
        specialists = specialists.filter(accepting_cases=accepting)
    return {"count": specialists.count(), "items": list(specialists[offset: offset + limit])}
