"""Records are read only through the case they belong to (cases.access decides who)."""

import uuid

from django.db.models import F
from django.http import Http404

from consilium.audit.trail import record as audit
from consilium.audit.trail import record_many, record_refused
from consilium.cases.access import load_visible_case
from consilium.errors import DomainError

from .models import ImagingSeries, Record, RecordsRequest
from .policy import policy


def sees_held(user, case) -> bool:
    """Records on hold may be about someone else: only those who settle them see them."""
    return policy.may(user, case, "see_held")


def reads_records(user, case) -> bool:
    """A specialist offered the case sees none of its records until they accept it."""
    return policy.may(user, case, "read")


def records_only(case, user) -> None:
    """A ``check`` for the pages of the records as a whole (the records page, the health
    history, the packet, an imaging export): refused with the policy's reason."""
    policy.check(user, case, "read")


def records_shown_to(user, case):
    """The case's records this user is shown: those on hold only to who settles them, none
    to a specialist who has not accepted the case."""
    if not reads_records(user, case):
        return case.records.none()
    return case.records.all() if sees_held(user, case) else case.records.in_use()


def series_shown_to(user, case):
    if not reads_records(user, case):
        return case.imaging_series.none()
    return (case.imaging_series.all() if sees_held(user, case)
            else case.imaging_series.in_use())


def access_record_by_id(user, case_id, record_id, *, action="record.view",
                        check=None) -> Record:
    """A record of a case the user may see; the case and record reads are recorded once
    both are found and ``check(record, user)`` (the page's own rule, raising a DomainError
    or Http404) passed, a refusal as ``<action>.refused``."""
    case = load_visible_case(user, case_id, action=action)
    try:
        key = uuid.UUID(str(record_id))
    except ValueError:
        raise Http404("No such record") from None
    found = records_shown_to(user, case).select_related("case").filter(id=key).first()
    if found is None:
        record_refused(user, action, Record, key, case_id=case.id)
        raise Http404("No such record")
    if check is not None:
        try:
            check(found, user)
        except (DomainError, Http404):
            record_refused(user, action, Record, key, case_id=case.id)
            raise
    audit(user, "case.view", case, case_id=case.id)
    audit(user, action, found, case_id=case.id)
    return found


def _visible_series(user, case_id, series_id, action) -> ImagingSeries:
    case = load_visible_case(user, case_id, action=action)
    found = series_shown_to(user, case).select_related("case").filter(pk=series_id).first()
    if found is None:
        record_refused(user, action, ImagingSeries, series_id, case_id=case.id)
        raise Http404("No such series")
    return found


def access_series_by_id(user, case_id, series_id, *, action="series.view") -> ImagingSeries:
    """An imaging series of a case the user may see; the read is recorded."""
    found = _visible_series(user, case_id, series_id, action)
    audit(user, "case.view", found.case, case_id=found.case_id)
    audit(user, action, found, case_id=found.case_id)
    return found


def access_series_image(user, case_id, series_id, index: int) -> tuple[Record, int]:
    """Image ``index`` of a series (from 0, across multi-frame files): its record and the
    frame within it. The case, series and image reads are recorded once the image is found."""
    series = _visible_series(user, case_id, series_id, "series.image")
    images = (series.records.all() if sees_held(user, series.case) else series.records.in_use()
              ).order_by("instance_number", "name").values_list("id", "frames")
    for record_id, frames in images:
        if index < frames:
            found = Record.objects.select_related("case").get(id=record_id)
            audit(user, "case.view", series.case, case_id=series.case_id)
            audit(user, "series.image", series, case_id=series.case_id)
            audit(user, "record.view_image", found, case_id=series.case_id)
            return found, index
        index -= frames
    record_refused(user, "series.image", ImagingSeries, series.pk, case_id=series.case_id)
    raise Http404("No such image")


def record_case_list_records(user, case, records) -> None:
    """Record that a page listed these records to ``user``."""
    record_many(user, "record.list", records, case_id_of=lambda _: case.id)


def requests_in_order(case):
    """The case's requests for records: the open ones first (the oldest first), then the
    closed ones, newest first (the page's and the API's order)."""
    return (RecordsRequest.objects.filter(case=case).select_related("received_with")
            .order_by(F("received_on").desc(nulls_first=True),
                      F("cancelled_on").desc(nulls_first=True), "created_at", "id"))


def access_request_by_id(user, case_id, request_id, *, action="records_request.view",
                         check=None) -> RecordsRequest:
    """A request for records of a case the user may see, once ``check(case, user)`` (the
    page's own rule, each narrower than it) or else the records policy's ``see_requests``
    passed; another case's request is 404 like an unknown one. The reads are recorded."""
    case = load_visible_case(user, case_id, action=action)
    try:
        key = uuid.UUID(str(request_id))
    except ValueError:
        raise Http404("No such request") from None
    found = RecordsRequest.objects.filter(case=case, id=key).first()
    if found is None:
        record_refused(user, action, RecordsRequest, key, case_id=case.id)
        raise Http404("No such request")
    found.case = case
    try:  # the page's rule (managing one: coordinators only) or, by default, seeing them
        (check or policy.checker("see_requests"))(case, user)
    except (DomainError, Http404):
        record_refused(user, action, RecordsRequest, key, case_id=case.id)
        raise
    audit(user, "case.view", case, case_id=case.id)
    audit(user, action, found, case_id=case.id)
    return found
