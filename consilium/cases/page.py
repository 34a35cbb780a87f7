"""The case page: everything it shows, gathered for one user, in a bounded number of queries.

What the user may do is read from the policies, once each: ``allowed`` (the case policy's set)
and ``record_allowed`` (the records policy's); the template shows a button exactly when its
action is in the set, so it never decides a permission itself.
"""

from django.conf import settings
from django.db.models import Count, Prefetch, prefetch_related_objects

from consilium.accounts.actions import gives_identity
from consilium.accounts.models import PatientIdentity
from consilium.appointments.access import appointments_of
from consilium.appointments.policy import new_appointment
from consilium.appointments.policy import policy as appointment_policy
from consilium.consultations.matching import match_case, offer_choices
from consilium.consultations.models import Consultation, ConsultationStatus
from consilium.consultations.policy import is_own
from consilium.conversations.access import unread_messages
from consilium.conversations.policy import policy as message_policy
from consilium.counting import count_together
from consilium.decisions.views import decision_context
from consilium.opinions.access import questions_with_answers, signed_opinion_for_case
from consilium.opinions.policy import opinion_of, part_of, part_policy
from consilium.opinions.policy import policy as opinion_policy
from consilium.opinions.views import opinion_context
from consilium.records.access import (
    reads_records,
    record_case_list_records,
    records_shown_to,
    series_shown_to,
)
from consilium.records.checklist import case_checklist
from consilium.records.models import IdentityCheck, RecordType
from consilium.records.policy import policy as record_policy
from consilium.records.summary import clinical_summary
from consilium.terms.access import current as program_terms

from .access import is_case_owner
from .forms import ShareForm
from .intake_actions import intake_of
from .models import Case
from .policy import chooses_specialist, policy

# The case page lists the newest records; the records page has them all.
LATEST_RECORDS = 10


def case_page(user, case: Case) -> dict:
    """The template context of the case page for ``user`` (who may see ``case``)."""
    # Prefetched, so that the policies' rules read these consultations without a query.
    prefetch_related_objects([case], Prefetch(
        "consultations", queryset=Consultation.objects.select_related("specialist")))
    consultations = list(case.consultations.all())
    allowed = policy.allowed(user, case)
    opinion = signed_opinion_for_case(user, case)
    viewer_is_patient = is_case_owner(user, case)
    context = {
        "case": case,
        "allowed": allowed,
        "record_allowed": record_policy.allowed(user, case),
        # The wording only ("your case", the patient's name in the heading); never a right.
        "viewer_is_patient": viewer_is_patient,
        "questions": questions_with_answers(case, opinion),
        # The coordinator's summary for the specialist heads the page (docs/work-queue.md,
        # "Intake"); None while no coordinator has written one.
        "intake": intake_of(case) if "read_intake" in allowed else None,
        "events": list(case.events.select_related("actor")),
        # the leads first, then a combined review's parts; the newest first within each
        "consultations": sorted(consultations, key=lambda c: c.is_part),
        # the one the "offer to another specialist" link follows (a part has none)
        "newest_lead": next((c for c in consultations if not c.is_part), None),
        **_my_consultation(user, consultations),
        # Who offers the case sees its specialists section (also when nothing can be
        # offered now); whether a consultation's reasons are shown is its own
        # "read_reasons" ({% consultation_allowed %}).
        "manages_offers": chooses_specialist(user, case),
        "opinion": opinion,
        **opinion_context(opinion, user, case),
        **decision_context(user, case),
        **_records(user, case),
        "converses": message_policy.may(user, case, "read"),
        **_counts(user, case),
        "service_level_days": program_terms().service_level_days,
        **_appointments(user, case, consultations),
    }
    if "offer" in allowed:
        context["matches"] = match_case(case, limit=3)
        if not viewer_is_patient:  # the patient chooses among the proposals
            context["offer_choices"] = offer_choices(case)
    if "share" in allowed:
        context["shares"] = list(
            case.shares.filter(revoked_at__isnull=True).select_related("grantee")
        )
        context["share_form"] = ShareForm()
    return context


def _counts(user, case: Case) -> dict:
    """The imaging series shown, the unread messages, and whether the patient still has to
    say who they are, counted in one query."""
    asks_identity = is_case_owner(user, case) and gives_identity(user)
    found = count_together({
        "series": series_shown_to(user, case),
        "unread": unread_messages(case, user),
        "identity": PatientIdentity.objects.filter(user=user) if asks_identity
        else PatientIdentity.objects.none(),
    })
    return {"imaging_series_count": found["series"], "unread_messages": found["unread"],
            "identity_missing": asks_identity and not found["identity"]}


def _appointments(user, case: Case, consultations) -> dict:
    """The case's appointments, each with what ``user`` may do to it (the appointment
    policy's set), and the consultation a new one is arranged on, if the user may arrange
    one."""
    appointments = [(appointment, appointment_policy.allowed(user, appointment))
                    for appointment in appointments_of(case)]
    return {"appointments": appointments, "arrange_on": next(
        (c for c in consultations
         if appointment_policy.may(user, new_appointment(c), "arrange")), None)}


def _my_consultation(user, consultations) -> dict:
    """The specialist's own open consultation of the case, and what they may do with its
    opinion, or its part of a combined review (``my_opinion_allowed``, the opinion policy's
    or the part policy's set: "edit" once accepted)."""
    mine = next((c for c in consultations if is_own(user, c)
                 and c.status in (ConsultationStatus.OFFERED, ConsultationStatus.ACCEPTED)),
                None)
    if mine is None:
        return {"my_consultation": None, "my_opinion_allowed": frozenset()}
    # a combined review's part: what may be done with the part (part_policy), else the opinion
    allowed = part_policy.allowed(user, part_of(mine)) if mine.is_part \
        else opinion_policy.allowed(user, opinion_of(mine))
    return {"my_consultation": mine, "my_opinion_allowed": allowed}


def _records(user, case: Case) -> dict:
    """The newest records, the checklist and the clinical summary (the reads recorded);
    a specialist who has not accepted the case is shown none of them (records.policy
    "read"), only how many there are."""
    records = list(records_shown_to(user, case).select_related("uploaded_by", "preview",
                                                               "source")
                   .defer("text")[:LATEST_RECORDS])
    if records:
        record_case_list_records(user, case, records)
    # One grouped query gives both the record count and the types the checklist needs;
    # order_by() drops the default ordering so the grouping is by type alone.
    # Held records (records.holds) count apart: they tick nothing and are not "in" the case.
    records_by_type: dict[str, int] = {}
    held = 0
    for record_type, identity, n in case.records.order_by().values_list(
            "record_type", "identity").annotate(n=Count("id")):
        if identity == IdentityCheck.HELD:
            held += n
        else:
            records_by_type[record_type] = records_by_type.get(record_type, 0) + n
    return {
        "records": records,
        "record_count": sum(records_by_type.values()),
        "reads_records": reads_records(user, case),
        "clinical": clinical_summary(case) if reads_records(user, case) else None,
        "record_types": RecordType.choices,
        "max_file_size": settings.RECORDS_MAX_FILE_BYTES,
        "resumable_uploads": settings.RESUMABLE_UPLOADS,
        # Ticked only by a record that shows the item, or the patient's mark (records.checklist).
        "checklist": case_checklist(case) if case.checklist else [],
        "held_count": held if record_policy.may(user, case, "see_held") else 0,
    }
