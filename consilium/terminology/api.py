from ninja import Router, Schema

from .search import search_icd10

router = Router(tags=["terminology"])


class Icd10Out(Schema):
    code: str
    description: str
    kind: str
    chapter: str
    block: str
    is_leaf: bool


@router.get("/icd10", response=list[Icd10Out], auth=None)
def icd10(request, q: str = "", limit: int = 20):
    """Search ICD-10-CM by words ("breast cancer") or by code ("C50.91"); public."""
    return search_icd10(q, limit)
