from ninja import Query, Router, Schema

from consilium.api_schemas import PageIn, errors
from consilium.errors import InvalidInput

from .search import SpecialistQuery, search_specialists

router = Router(tags=["directory"])


class SpecialistOut(Schema):
    id: int
    npi: str | None
    name: str
    credentials: str
    specialty: str
    taxonomy_code: str
    institution: str
    hospital_system: str
    city: str
    state: str
    telemedicine: bool
    languages: list[str]
    accepting_cases: bool
    turnaround_days: int


class FoundOut(Schema):
    specialist: SpecialistOut
    distance_km: float | None


class SpecialistPage(Schema):
    count: int  # counted up to 1,000
    count_exact: bool  # false: more than ``count`` fit; narrow the search to page them all
    items: list[FoundOut]


class SpecialistSearchIn(PageIn):
    """What ``POST /specialists/search`` reads from its body: the filters of the listing and
    ``condition``, which is health data and so never travels in a URL."""

    q: str = ""
    specialty: str = ""
    condition: str = ""
    near: str = ""
    radius_km: float = 100
    telemedicine: bool | None = None
    language: str = ""
    insurance: str = ""
    accepting: bool | None = None
    sort: str = "relevance"


@router.get("", response={200: SpecialistPage, **errors(422)})
def list_specialists(request, page: Query[PageIn], q: str = "", specialty: str = "",
                     near: str = "", radius_km: float = 100, telemedicine: bool | None = None,
                     language: str = "", insurance: str = "", accepting: bool | None = None,
                     sort: str = "relevance"):
    """List the directory. ``q``: the start of a name (last name first, or as shown);
    ``specialty``: a NUCC code; ``near``: a US ZIP code or "latitude,longitude", with
    ``radius_km``; ``sort``: ``relevance`` (by name; nearest first when ``near`` is given)
    or ``distance``. ``count`` stops at 1,000 (``count_exact`` is then false). To search by
    a condition, use ``POST /specialists/search``: a ``condition`` here is refused (422),
    since a diagnosis must not reach access logs and browser history through a URL."""
    if "condition" in request.GET:
        raise InvalidInput({"condition": "A condition is health data: send it in the body "
                                         "of POST /api/v1/specialists/search."})
    return _search(SpecialistSearchIn(
        q=q, specialty=specialty, near=near, radius_km=radius_km, telemedicine=telemedicine,
        language=language, insurance=insurance, accepting=accepting, sort=sort,
        limit=page.limit, offset=page.offset))


@router.post("/search", response={200: SpecialistPage, **errors(400, 422)})
def search_specialists_posted(request, payload: SpecialistSearchIn):
    """Search the directory with the filters in the body, ``condition`` (an ICD-10-CM code:
    specialists in the specialties that fit it) among them; the other fields mean what they
    mean on ``GET /specialists``. Nothing is stored; it is a read sent as POST so that the
    condition stays out of URLs."""
    return _search(payload)


def _search(wanted: SpecialistSearchIn) -> dict:
    query = SpecialistQuery(**wanted.model_dump(exclude={"limit", "offset"}))
    result = search_specialists(query, limit=wanted.limit, offset=wanted.offset)
    return {"count": result.count, "count_exact": result.exact, "items": result.items}
