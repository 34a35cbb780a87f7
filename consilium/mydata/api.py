"""The patient's own data over the API: download everything, close the account (the same
actions as /account/data/ and /account/close/)."""

from datetime import datetime

from ninja import Router, Schema

from consilium.api_schemas import errors
from consilium.errors import InvalidInput

from .actions import do_close_account
from .views import export_response

router = Router(tags=["account"])
ZIP = {"responses": {200: {"description": "Everything about you: files, PDFs, messages, "
                                          "journal, decisions and a FHIR bundle",
                           "content": {"application/zip": {}}}}}


@router.post("/me/data-export", response=errors(), openapi_extra=ZIP)
def export_my_data(request):
    """A zip of everything about the signed-in patient (as the account page's download)."""
    return export_response(request)


class CloseIn(Schema):
    password: str
    # The patient's own yes: they cannot sign in any more, open requests are withdrawn.
    confirm: bool


class ClosedOut(Schema):
    closed_at: datetime


@router.post("/me/close", response={200: ClosedOut, **errors(400, 422, 429)})
def close_my_account(request, payload: CloseIn):
    """Close the signed-in patient's account, with their password (or a current code from
    their authenticator app) and ``confirm``: open cases are withdrawn, shares and tokens
    end (this one too), and the cases are erased after the retention time."""
    if not payload.confirm:
        raise InvalidInput({"confirm": "Say that you want to close your account."})
    user = do_close_account(request, request.user, payload.password, acting_user=request.user)
    assert user.closed_at is not None
    return ClosedOut(closed_at=user.closed_at)
