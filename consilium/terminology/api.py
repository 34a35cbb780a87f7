from ninja import Field, Router, Schema, Status

from consilium.api_schemas import public_errors

from .search import search_icd10

router = Router(tags=["terminology"])
MOVED = ("Search words are health data and are not read from a URL: send them in the body "
         "of POST /api/v1/terminology/icd10/search.")


class Icd10Out(Schema):
    code: str
    description: str
    kind: str
    chapter: str
    block: str
    is_leaf: bool


class Icd10SearchIn(Schema):
    q: str = Field("", max_length=200, description='words ("breast cancer") or a code')
    limit: int = 20


class GoneOut(Schema):
    detail: str


@router.post("/icd10/search", response={200: list[Icd10Out], **public_errors(400, 422)},
             auth=None)
def icd10_search(request, payload: Icd10SearchIn):
    """Search ICD-10-CM by words ("breast cancer") or by code ("C50.91"); public. A read sent
    as POST: what a patient types about their diagnosis stays out of URLs and access logs."""
    return search_icd10(payload.q, payload.limit)


@router.get("/icd10", response={410: GoneOut}, auth=None, deprecated=True)
def icd10(request):
    """Removed: the search moved to ``POST /terminology/icd10/search``, its words in the body.
    Answers 410 whatever the query string holds, and reads none of it."""
    return Status(410, {"detail": MOVED})
