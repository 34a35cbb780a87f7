from ninja import Router, Schema

from consilium.api_schemas import errors

router = Router(tags=["account"])


class MeOut(Schema):
    id: int
    username: str
    role: str
    name: str
    specialist_id: int | None
    # The IANA zone the caller reads times in (chosen on /account/time-zone/); the program's
    # own zone while they have chosen none, and then ``time_zone_chosen`` is false.
    time_zone: str
    time_zone_chosen: bool


@router.get("/me", response={200: MeOut, **errors()})
def me(request):
    """The caller's identity and role."""
    user = request.user
    specialist = getattr(user, "specialist", None)
    return MeOut(
        id=user.id,
        username=user.username,
        role=user.role,
        name=user.get_full_name(),
        specialist_id=specialist.id if specialist else None,
        time_zone=user.zone.key,
        time_zone_chosen=bool(user.time_zone),
    )
