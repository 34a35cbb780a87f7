"""Every change to a case goes through these functions: one transaction, an event, an audit row."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from consilium.accounts.models import Role
from consilium.accounts.notify import notify_role
from consilium.accounts.tokens import hash_token, new_token
from consilium.audit.trail import record
from consilium.directory import systems
from consilium.directory.models import HospitalSystem, Institution, SystemAlias
from consilium.errors import Conflict, InvalidInput, NotAllowed
from consilium.forms import object_id
from consilium.policy import Policy
from consilium.submissions.once import Once
from consilium.terminology.models import Icd10Code
from consilium.triage import assessment
from consilium.triage.assessment import checklist_for
from consilium.triage.schemas import AssessmentIn

from . import signals
from .models import (
    STEP_STAMPS,
    Case,
    Event,
    EventKind,
    Invitation,
    Question,
    Share,
    ShareRole,
    Status,
)
from .policy import HOLDING_STATES, policy, starts_cases
from .schemas import CaseIn, CasePatch
from .tasks import queue_invitation


def _clean_first_opinion(data: "dict | CaseIn | CasePatch", *, partial: bool) -> dict:
    """The first-opinion fields by the rules of cases/schemas.py, or InvalidInput naming every
    bad one: all of them for a new case, those sent for a change."""
    if partial:
        return CasePatch.read(data).given()
    return dict(CaseIn.read(data))


def add_event(case: Case, kind: str, user, *, from_status="", to_status="", note="") -> Event:
    return Event.objects.create(
        case=case,
        kind=kind,
        from_status=from_status,
        to_status=to_status,
        actor=user,
        actor_role=user.role if user else "system",  # None: the program's own deadlines
        note=note[:200],
    )


def move_case(case: Case, to_status: str, user) -> None:
    """Move a case along the lifecycle, or raise Conflict and change nothing.

    Call inside a transaction. The conditional update makes a concurrent move lose cleanly.
    """
    old = case.status
    if not case.can_move_to(to_status):
        raise Conflict(
            f"A case that is {Status(old).label.lower()} cannot become "
            f"{Status(to_status).label.lower()}."
        )
    now = timezone.now()
    step = STEP_STAMPS.get(to_status)
    stamp = {step: Coalesce(F(step), Value(now))} if step else {}
    moved = Case.objects.filter(id=case.id, status=old).update(
        status=to_status, status_changed_at=now, **stamp
    )
    if not moved:
        raise Conflict("The case was changed by someone else meanwhile. Reload and try again.")
    case.status, case.status_changed_at = to_status, now
    if step and getattr(case, step) is None:
        setattr(case, step, now)
    add_event(case, EventKind.STATUS, user, from_status=old, to_status=to_status)
    record(user, f"case.{to_status}", case, case_id=case.id)


def _replace_questions(case: Case, questions: list[str]) -> None:
    case.questions.all().delete()
    Question.objects.bulk_create(
        Question(case=case, position=i, text=text) for i, text in enumerate(questions, start=1)
    )


def locked_case(case: Case, action: str, *, user, policy: Policy = policy) -> Case:
    """The case's row, locked, once ``policy`` allows ``action`` on it as it is now: the case
    policy, or another domain's whose object is the case (records, comparison).

    Call inside the action's transaction, so that the check and the write see one state (the
    caller's copy may be stale: two requests checking their own copies would both pass). Lock
    the case before anything of it (its consultations): one order everywhere, no deadlock."""
    current = Case.objects.select_for_update().get(id=case.id)
    policy.check(user, current, action)
    return current


def _moved(case: Case, current: Case) -> Case:
    """Give the caller's copy of the case the state the action left it in."""
    case.status, case.status_changed_at = current.status, current.status_changed_at
    return case


def do_create_case(data: dict | CaseIn, *, checklist=(), acting_user, key: str = "") -> Case:
    """Start a draft case; ``checklist`` ({"key", "label"} items) comes from an assessment.
    ``key``: the request's one-time key; the same key again returns the first case."""
    once = Once(acting_user, key, Case)
    if (done := once.done()) is not None:
        return done
    if not starts_cases(acting_user):
        raise NotAllowed("Cases are started by patients.")
    cleaned = _clean_first_opinion(data, partial=False)
    questions = cleaned.pop("questions", [])
    if not checklist:
        # Without a self-assessment, the kind of case decides what to gather.

        checklist = checklist_for(cleaned.get("diagnosis_codes", []),
                                  cleaned["treatment_category"])
    items = [{"key": i["key"], "label": i["label"]} for i in checklist]
    with transaction.atomic():
        if (done := once.earlier()) is not None:
            return done
        case = Case.objects.create(patient=acting_user, checklist=items, **cleaned)
        once.made(case)
        _replace_questions(case, questions)
        add_event(case, EventKind.CREATED, acting_user, to_status=Status.DRAFT)
        record(acting_user, "case.create", case, case_id=case.id)
    return case


# The assessment's treatment values that a case does not have.
CASE_TREATMENT = {"none": "other", "": "other"}


def do_start_case_from_assessment(data: dict | AssessmentIn, *, acting_user,
                                  key: str = "") -> Case:
    """A draft case from a self-assessment ("Start my case"), with its diagnosis, treatment,
    questions and records checklist. ``key``: the form's one-time key (do_create_case runs
    once per key)."""
    answers = AssessmentIn.read(data)
    facts = assessment.clean(answers)
    result = assessment.evaluate(facts)
    codes = facts.codes
    text = answers.diagnosis_text
    if not text and codes:
        text = Icd10Code.objects.get(code=codes[0]).description
    treatment = facts.treatment
    return do_create_case(
        {
            "diagnosis_text": text or "Diagnosis to be added",
            "diagnosis_codes": codes,
            "treatment_category": CASE_TREATMENT.get(treatment, treatment),
            "treatment_description": answers.procedure,
            "questions": result["questions"],
        },
        checklist=result["records_checklist"],
        acting_user=acting_user, key=key,
    )


def do_update_case(case: Case, data: dict | CasePatch, *, acting_user) -> Case:
    with transaction.atomic():
        current = locked_case(case, "edit", user=acting_user)
        cleaned = _clean_first_opinion(data, partial=True)
        questions = cleaned.pop("questions", None)
        for field, value in cleaned.items():
            setattr(current, field, value)
        current.save()
        if questions is not None:
            _replace_questions(current, questions)
        add_event(current, EventKind.EDITED, acting_user)
        record(acting_user, "case.update", current, case_id=current.id)
    return current


def do_submit_case(case: Case, *, acting_user) -> Case:
    with transaction.atomic():
        current = locked_case(case, "submit", user=acting_user)
        move_case(current, Status.SUBMITTED, acting_user)
    _moved(case, current)

    notify_role(Role.COORDINATOR, "A new case was submitted", case)
    return case


def do_withdraw_case(case: Case, *, acting_user) -> Case:
    with transaction.atomic():
        current = locked_case(case, "withdraw", user=acting_user)
        # Its consultation is cancelled first: locks go case, then consultation (and its
        # appointments), in every action.
        signals.case_withdrawn.send(Case, case=current, user=acting_user)
        move_case(current, Status.WITHDRAWN, acting_user)
    return _moved(case, current)


def do_mark_records_complete(case: Case, *, acting_user) -> Case:
    with transaction.atomic():
        current = locked_case(case, "mark_records", user=acting_user)
        move_case(current, Status.RECORDS_COMPLETE, acting_user)
        signals.records_completed.send(Case, case=current, user=acting_user)
    return _moved(case, current)


def do_start_follow_up(case: Case, *, acting_user) -> Case:
    with transaction.atomic():
        current = locked_case(case, "follow_up", user=acting_user)
        move_case(current, Status.FOLLOWING_UP, acting_user)
    return _moved(case, current)


def do_close_case(case: Case, *, acting_user) -> Case:
    """Close the case for good: nothing more can be added or changed on it."""
    with transaction.atomic():
        current = locked_case(case, "close", user=acting_user)
        move_case(current, Status.CLOSED, acting_user)
    return _moved(case, current)


def _find_grantee(who: str):
    """The active caregiver or physician account with this username or email, if any."""
    eligible = get_user_model().objects.filter(
        is_active=True, role__in=[Role.CAREGIVER, Role.PHYSICIAN]
    )
    return (
        eligible.filter(username__iexact=who).first()
        or (eligible.filter(email__iexact=who).first() if who else None)
    )


def do_share_case(case: Case, who: str, *, role: str = ShareRole.CAREGIVER, acting_user,
                  key: str = ""):
    """Let a caregiver or treating physician see this case (the patient's consent).

    ``who`` names an existing account (username or email); an email without an account gets
    an invitation to create one as ``role``. Returns the Share or the Invitation. A share
    is one per person already (``one_active_share``); ``key``, the request's one-time key,
    keeps a repeated invitation from making a second one and emailing the link twice.
    """
    who = (who or "").strip()
    grantee = _find_grantee(who)
    if grantee is None and "@" in who:
        return _invite(case, who, role, acting_user, key)
    with transaction.atomic():
        current = locked_case(case, "share", user=acting_user)
        if grantee is None:
            raise InvalidInput(
                {"grantee": "No caregiver or treating physician has that username. "
                            "To invite someone new, give their email address."}
            )
        share, created = Share.objects.get_or_create(
            case=current, grantee=grantee, revoked_at__isnull=True
        )
        if created:
            add_event(current, EventKind.SHARED, acting_user, note=grantee.get_role_display())
            record(acting_user, "case.share", share, case_id=current.id)
    return share


def _invite(case: Case, email: str, role: str, acting_user, key: str) -> Invitation:
    once = Once(acting_user, key, Invitation)
    if (done := once.done()) is not None:
        return done
    with transaction.atomic():
        current = locked_case(case, "share", user=acting_user)
        policy.check(acting_user, current, "invite")
        try:
            validate_email(email)
        except ValidationError:
            raise InvalidInput({"grantee": "That is not a valid email address."}) from None
        if role not in ShareRole.values:
            raise InvalidInput({"role": "Choose caregiver or treating physician."})
        if (done := once.earlier()) is not None:
            return done
        raw, key_hash = new_token("inv_")
        invitation = Invitation.objects.create(
            case=current, email=email, role=role, key_hash=key_hash, invited_by=acting_user,
            expires_at=timezone.now() + timedelta(days=settings.INVITATION_DAYS),
        )
        once.made(invitation)
        add_event(current, EventKind.INVITED, acting_user,
                  note=invitation.get_role_display())
        record(acting_user, "case.invite", invitation, case_id=current.id)
    link = f"{settings.SITE_URL}/invitations/{raw}/"
    transaction.on_commit(lambda: queue_invitation(invitation, link))
    return invitation


def find_invitation(raw_token: str) -> Invitation | None:
    """The usable invitation behind a link, or None (unknown, used or expired alike)."""
    invitation = (
        Invitation.objects.select_related("case").filter(key_hash=hash_token(raw_token)).first()
    )
    return invitation if invitation and invitation.is_usable() else None


def do_accept_invitation(raw_token: str, data: dict):
    """Create the invited person's account and share the case with them; return the user."""
    invitation = find_invitation(raw_token)
    if invitation is None:
        raise Conflict("This invitation is no longer valid. Ask for a new one.")
    User = get_user_model()
    username = (data.get("username") or "").strip()
    errors = {}
    if not username:
        errors["username"] = "Choose a username."
    elif User.objects.filter(username__iexact=username).exists():
        errors["username"] = "That username is taken. Choose another."
    candidate = User(username=username, email=invitation.email, role=invitation.role,
                     first_name=(data.get("first_name") or "").strip()[:150],
                     last_name=(data.get("last_name") or "").strip()[:150])
    try:
        validate_password(data.get("password") or "", candidate)
    except ValidationError as error:
        errors["password"] = " ".join(error.messages)
    if errors:
        raise InvalidInput(errors)
    with transaction.atomic():
        claimed = Invitation.objects.filter(id=invitation.id, accepted_at__isnull=True).update(
            accepted_at=timezone.now()
        )
        if not claimed:
            raise Conflict("This invitation was used already.")
        candidate.set_password(data["password"])
        candidate.save()
        share = Share.objects.create(case=invitation.case, grantee=candidate)
        add_event(invitation.case, EventKind.SHARED, candidate, note=candidate.get_role_display())
        record(candidate, "case.share.accept", share, case_id=invitation.case_id)
    return candidate


def do_revoke_share(case: Case, share_id: int, *, acting_user) -> None:
    with transaction.atomic():
        current = locked_case(case, "unshare", user=acting_user)
        share = Share.objects.filter(case=current, id=share_id, revoked_at__isnull=True).first()
        if share is None:
            raise Conflict("That person no longer has access to this case.")
        share.revoked_at = timezone.now()
        share.save(update_fields=["revoked_at"])
        add_event(current, EventKind.UNSHARED, acting_user,
                  note=share.grantee.get_role_display())
        record(acting_user, "case.unshare", share, case_id=current.id)


NEW_SYSTEM = "new"


def do_confirm_system(case: Case, system_id, *, name: str = "", acting_user) -> Case:
    """Say which known hospital system (``directory.HospitalSystem``) the first opinion is
    from, or, with ``system_id`` "new", that it is none of them: a new system is made, called
    ``name`` (else the case's free-text system or facility), with the case's other spellings
    as its aliases. Matching then leaves out every name of that system (identity)."""
    policy.check(acting_user, case, "confirm_system")
    if str(system_id).strip() == NEW_SYSTEM:
        name = " ".join((name or case.hospital_system or case.institution or "").split())
        if not systems.key(name):
            raise InvalidInput({"name": "Type the name of the hospital system."})
        if len(name) > 200:
            raise InvalidInput({"name": "Use at most 200 characters."})
        known = HospitalSystem.objects.filter(key=systems.key(name)).first()
        if known is not None:
            raise InvalidInput({"name": f"{known.name} is already known: choose it instead."})
        chosen = None
    else:
        chosen = HospitalSystem.objects.filter(id=object_id(system_id) or 0).first()
        if chosen is None:
            raise InvalidInput({"system_id": "Choose a hospital system from the list."})
    with transaction.atomic():
        current = locked_case(case, "confirm_system", user=acting_user)
        created = chosen is None
        if chosen is None:
            chosen = HospitalSystem.objects.create(name=name)
            for alias in {current.hospital_system.strip(), current.institution.strip()}:
                if alias and alias != name:
                    SystemAlias.objects.create(system=chosen, name=alias[:200])
        Case.objects.filter(id=current.id).update(first_system=chosen)
        current.first_system = chosen
        add_event(current, EventKind.SYSTEM_CONFIRMED, acting_user, note=chosen.name)
        if created:
            record(acting_user, "directory.system_create", chosen, case_id=current.id)
        record(acting_user, "case.confirm_system", current, case_id=current.id)
    case.first_system = chosen
    return case


NOT_CONFIRMED = "The first opinion's hospital system is not confirmed."
OFFERED_ON_IT = ("The case is offered to a specialist: withdraw the offer before you undo the "
                 "hospital system.")


def do_unconfirm_system(case: Case, *, acting_user) -> Case:
    """Undo the confirmation of the first opinion's hospital system (a wrong choice), while
    the case can still be offered (the rule of ``confirm_system``) and before it is offered
    to anyone (an open offer is withdrawn first): matching compares the
    names the patient wrote again until a coordinator confirms a system. The system stays
    in the directory."""
    policy.check(acting_user, case, "confirm_system")
    with transaction.atomic():
        current = locked_case(case, "confirm_system", user=acting_user)
        if current.first_system_id is None:
            raise Conflict(NOT_CONFIRMED)
        if current.consultations.filter(status__in=HOLDING_STATES).exists():
            raise Conflict(OFFERED_ON_IT)
        undone = HospitalSystem.objects.get(id=current.first_system_id)
        Case.objects.filter(id=current.id).update(first_system=None)
        current.first_system = None
        add_event(current, EventKind.SYSTEM_UNCONFIRMED, acting_user, note=undone.name)
        record(acting_user, "case.unconfirm_system", current, case_id=current.id)
    case.first_system = None
    return case


NOT_LISTED = "none"
INSTITUTION_NOT_CONFIRMED = "The first opinion's institution is not confirmed."
OFFERED_ON_INSTITUTION = ("The case is offered to a specialist: withdraw the offer before you "
                          "undo the institution.")


def do_confirm_institution(case: Case, institution_id, *, acting_user) -> Case:
    """Say which institution of the directory (``directory.Institution``) the first opinion
    is from, or, with ``institution_id`` "none", that it is not in the directory. An
    institution that belongs to a known hospital system confirms that system with it, in the
    same step, when no system is confirmed yet; when another system is, the choice is refused
    (one of the two is wrong: undo the system first). The rule is
    ``case.confirm_institution`` (that of the system: coordinators, while the case can be
    offered). Matching then leaves out the institution's names and its system's, besides
    what the patient wrote."""
    policy.check(acting_user, case, "confirm_institution")
    chosen = None
    if str(institution_id).strip() != NOT_LISTED:
        chosen = (Institution.objects.select_related("system")
                  .filter(id=object_id(institution_id) or 0).first())
        if chosen is None:
            raise InvalidInput({"institution_id": "Choose a hospital or practice from the "
                                                  "list, or say it is not in the directory."})
    with transaction.atomic():
        current = locked_case(case, "confirm_institution", user=acting_user)
        system = chosen.system if chosen is not None else None
        if (chosen is not None and system is not None
                and current.first_system_id not in (None, system.id)):
            confirmed = HospitalSystem.objects.get(id=current.first_system_id)
            raise InvalidInput({"institution_id": (
                f"{chosen.name} belongs to {system.name}, but the first opinion's system is "
                f"confirmed as {confirmed.name}. Undo the system first if it is wrong.")})
        brings_system = system is not None and current.first_system_id is None
        changes: dict[str, object] = {"first_institution": chosen,
                                      "first_institution_unlisted": chosen is None}
        if brings_system:
            changes["first_system"] = system
        Case.objects.filter(id=current.id).update(**changes)
        for name, value in changes.items():
            setattr(current, name, value)
            setattr(case, name, value)
        add_event(current, EventKind.FACILITY_CONFIRMED, acting_user,
                  note=chosen.name if chosen is not None else "Not in the directory")
        record(acting_user, "case.confirm_institution", current, case_id=current.id)
        if brings_system:
            assert system is not None
            add_event(current, EventKind.SYSTEM_CONFIRMED, acting_user, note=system.name)
            record(acting_user, "case.confirm_system", current, case_id=current.id)
    return case


def do_unconfirm_institution(case: Case, *, acting_user) -> Case:
    """Undo the confirmation of the first opinion's institution (or of "not in the
    directory"), as ``do_unconfirm_system`` does for the system: while the case can be
    offered and before it is offered to anyone. A system confirmed with it stays confirmed
    (it has its own undo); the institution stays in the directory."""
    policy.check(acting_user, case, "confirm_institution")
    with transaction.atomic():
        current = locked_case(case, "confirm_institution", user=acting_user)
        if current.first_institution_id is None and not current.first_institution_unlisted:
            raise Conflict(INSTITUTION_NOT_CONFIRMED)
        if current.consultations.filter(status__in=HOLDING_STATES).exists():
            raise Conflict(OFFERED_ON_INSTITUTION)
        undone = (Institution.objects.filter(id=current.first_institution_id or 0)
                  .values_list("name", flat=True).first() or "Not in the directory")
        Case.objects.filter(id=current.id).update(first_institution=None,
                                                  first_institution_unlisted=False)
        add_event(current, EventKind.FACILITY_UNCONFIRMED, acting_user, note=undone)
        record(acting_user, "case.unconfirm_institution", current, case_id=current.id)
    case.first_institution = None
    case.first_institution_unlisted = False
    return case
