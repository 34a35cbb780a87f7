from datetime import datetime, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from consilium.audit.trail import record
from consilium.cases.access import patients_own
from consilium.errors import DomainError, InvalidInput
from consilium.forms import LARGEST_ID, add_action_errors, form_status, object_id, whole_number
from consilium.submissions.once import key_of
from consilium.terms.access import current as program_terms

from . import readability, reports, sharing
from .access import (
    access_opinion_by_consultation_id,
    access_signed_opinion,
    check_writable,
    open_parts,
    parts_read_by,
    questions_with_answers,
)
from .actions import (
    StaleOpinion,
    do_add_addendum,
    do_ask_follow_up,
    do_save_opinion,
    do_sign_opinion,
    missing_for_signing,
)
from .forms import (
    AddendumForm,
    CodeForm,
    FollowUpForm,
    OpinionForm,
    ReportShareForm,
    SignForm,
)
from .models import ReportShare
from .policy import follow_ups_left, on_consultation, policy
from .schemas import MAX_OPTIONS


def _writable(request, consultation_id, action="edit"):
    """(consultation, opinion or None) while the specialist may still write it; otherwise
    the opinion policy's refusal (403, 409), as the API gives it."""
    return access_opinion_by_consultation_id(request.user, consultation_id,
                                             check=on_consultation(action))


def _rows(request, opinion) -> int:
    """How many option rows the form shows: those posted, or the saved ones and one empty."""
    posted = whole_number(request.POST.get("option_rows"), maximum=MAX_OPTIONS)
    if posted is not None:
        return posted
    return min(max(2, (opinion.options.count() + 1) if opinion else 2), MAX_OPTIONS)


@login_required
def edit(request, consultation_id):
    """The specialist's opinion form. It saves itself as the specialist types (autosave);
    "Review and sign" saves and opens the signing page."""
    consultation, opinion = _writable(request, consultation_id)
    questions = list(consultation.case.questions.all())
    rows = _rows(request, opinion)
    conflict = None
    if request.method == "POST":
        intent = request.POST.get("intent", "save")
        form = OpinionForm(request.POST, questions=questions, option_rows=rows)
        if form.is_valid():
            try:
                _save(request, consultation, form)
            except StaleOpinion as stale:
                conflict = _conflict(form, stale)
            except InvalidInput as error:
                for field, message in error.errors.items():
                    form.add_error_for(field, message)
            else:
                if intent == "review":
                    return redirect("opinion_sign", consultation_id=consultation.id)
                messages.success(request, "Draft saved.")
                if intent == "add_option":
                    return redirect(f"{request.path}?rows={min(rows + 1, MAX_OPTIONS)}")
                return redirect("opinion_edit", consultation_id=consultation.id)
    else:
        asked = whole_number(request.GET.get("rows"), maximum=MAX_OPTIONS)
        if asked is not None:
            rows = max(rows, asked)
        form = OpinionForm(initial=OpinionForm.initial_from(opinion), questions=questions,
                           option_rows=rows)
    context = {"consultation": consultation, "case": consultation.case, "form": form,
               "opinion": opinion, "conflict": conflict, "max_options": MAX_OPTIONS,
               "reading": _reading(form["plain_summary"].value(), consultation),
               **_parts(request.user, consultation.case)}
    status = 409 if conflict else form_status(form)
    return render(request, "opinions/edit.html", context, status=status)


def _parts(user, case) -> dict:
    """A combined review's parts, for its lead: those signed (to read and weigh) and those
    still open (the opinion waits for them)."""
    return {"parts": parts_read_by(user, case), "waiting_parts": open_parts(case)}


def _save(request, consultation, form):
    """Save on top of the version the form was based on, or on the version the specialist
    saw in a conflict and chose to replace."""
    seen = whole_number(request.POST.get("seen_version"), maximum=LARGEST_ID)
    base = seen if seen is not None and request.POST.get("intent") else \
        form.cleaned_data["version"]
    return do_save_opinion(consultation, form.to_action_data(), acting_user=request.user,
                           base_version=base)


def _conflict(form, stale: StaleOpinion) -> dict:
    return {"message": stale.message, "version": stale.current.version,
            "updated_at": stale.current.updated_at,
            "differences": form.differences(stale.current)}


@login_required
@require_POST
def autosave(request, consultation_id):
    """htmx posts the form here a few seconds after typing stops; the answer is the status
    line (and the new version, swapped into the form), or the two versions on a conflict."""
    writable = _writable(request, consultation_id)
    if writable is None:
        return render(request, "opinions/_save_status.html",
                      {"error": "This opinion can no longer be edited here. Reload the page."})
    consultation, opinion = writable
    questions = list(consultation.case.questions.all())
    form = OpinionForm(request.POST, questions=questions, option_rows=_rows(request, opinion))
    context: dict[str, Any] = {}
    if not form.is_valid():
        context["error"] = "Not saved: check the marked fields, then save."
    else:
        try:
            context["saved"] = do_save_opinion(
                consultation, form.to_action_data(), acting_user=request.user,
                base_version=form.cleaned_data["version"])
        except StaleOpinion as stale:
            context["conflict"] = _conflict(form, stale)
        except InvalidInput as error:
            context["error"] = "Not saved: " + " ".join(error.errors.values())
    return render(request, "opinions/_save_status.html", context)


def _reading(text, consultation) -> readability.Reading:
    return readability.measure(str(text or ""), consultation.case.patient_language)


@login_required
@require_POST
def summary_readability(request, consultation_id):
    """htmx posts the patient summary here as the specialist types; the answer is its
    reading grade. Only the author of an opinion still being written may ask (the same check
    as saving); nothing is saved, logged or recorded as read: the answer shows nothing of
    the case."""
    consultation = check_writable(request.user, consultation_id)
    return render(request, "opinions/_readability.html",
                  {"reading": _reading(request.POST.get("plain_summary", ""), consultation)})


@login_required
def sign(request, consultation_id):
    """Review the whole opinion as it will be delivered, then sign with a password or code."""
    consultation, opinion = _writable(request, consultation_id, "sign")
    if opinion is None:  # nothing written yet: there is nothing to review
        return redirect("opinion_edit", consultation_id=consultation.id)
    question_ids = [q.id for q in consultation.case.questions.all()]
    missing = missing_for_signing(opinion, question_ids)
    form = SignForm(request.POST or None)
    if request.method == "POST" and not missing and form.is_valid():
        try:  # parts still open: the action's Conflict, said on the form
            do_sign_opinion(consultation, acting_user=request.user, request=request,
                            secret=form.cleaned_data["password"])
        except DomainError as error:
            add_action_errors(form, error)
        else:
            messages.success(request, "Your opinion is signed and delivered to the patient.")
            return redirect("case_detail", case_id=consultation.case_id)
    context = {"consultation": consultation, "case": consultation.case, "opinion": opinion,
               "missing": list(missing.values()), "form": form,
               "questions": questions_with_answers(consultation.case, opinion),
               "reading": _reading(opinion.plain_summary, consultation),
               **_parts(request.user, consultation.case)}
    return render(request, "opinions/sign.html", context, status=form_status(form))


@login_required
@require_POST
def ask_follow_up(request, consultation_id):
    # The policy is checked by the action, after a repeated submission is recognised (its
    # second POST gets the first one's success); a refusal is answered with its own status.
    _, opinion = access_signed_opinion(request.user, consultation_id)
    try:  # FollowUpIn checks the question, in the same words as the API
        do_ask_follow_up(opinion, request.POST.get("text", ""), acting_user=request.user,
                         key=key_of(request))
    except InvalidInput as error:
        messages.error(request, _said(error))
    else:
        messages.success(request, "Your question was sent to the specialist. You will get "
                                  "a notice when they answer.")
    return redirect(f"/cases/{opinion.consultation.case_id}/#follow-ups-heading")


@login_required
def add_addendum(request, consultation_id):
    """The specialist adds a signed addendum, or answers a follow-up question with one."""
    consultation, opinion = access_signed_opinion(request.user, consultation_id,
                                                  check=on_consultation("add_addendum"))
    question = None
    answers = request.GET.get("answers") or request.POST.get("answers")
    if answers:
        question = opinion.follow_up_questions.filter(id=object_id(answers) or 0).first()
        if question is None:
            raise Http404("No such question")
    form = AddendumForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            do_add_addendum(opinion, form.cleaned_data["body"], acting_user=request.user,
                            request=request, secret=form.cleaned_data["password"],
                            answers=question, key=key_of(request))
        except DomainError as error:
            add_action_errors(form, error)
        else:
            messages.success(request, "Your addendum is signed and the patient was told.")
            return redirect("case_detail", case_id=consultation.case_id)
    context = {"consultation": consultation, "case": consultation.case, "opinion": opinion,
               "question": question, "form": form}
    return render(request, "opinions/addendum.html", context, status=form_status(form))


@login_required
def report(request, consultation_id, kind):
    """The patient summary or the physician report of a signed opinion, as a PDF."""
    consultation, opinion = access_signed_opinion(request.user, consultation_id,
                                                  check=on_consultation("read_report"))
    if kind not in reports.KINDS:
        raise Http404("No such report")
    record(request.user, f"opinion.{kind}_pdf", opinion, case_id=consultation.case_id)
    name = "second-opinion-summary" if kind == "summary" else "second-opinion-report"
    return HttpResponse(reports.render_report(opinion, kind), content_type="application/pdf",
                        headers={"Content-Disposition":
                                 f'inline; filename="{name}-{consultation.case.short_id}.pdf"'})


def opinion_context(opinion, user, case) -> dict:
    """What the case page needs around a signed opinion: follow-up questions, what the user
    may do with the opinion (``opinion_allowed``, the opinion policy's set), and the
    patient's links for their doctors."""
    if opinion is None:
        return {"opinion_allowed": frozenset()}
    opinion.consultation.case = case  # the policy reads the case's state; no query
    allowed = policy.allowed(user, opinion)
    shares = "share_report" in allowed
    return {
        "opinion_allowed": allowed,
        # the case page's prefetched consultations say whether there are parts to read
        "parts": parts_read_by(user, case) if any(
            c.is_part for c in case.consultations.all()) else [],
        "follow_ups": list(opinion.follow_up_questions.all()),
        "follow_ups_left": follow_ups_left(opinion),
        "follow_up_limit": program_terms().follow_up_questions,
        "follow_up_form": FollowUpForm() if "ask_follow_up" in allowed else None,
        "report_shares": list(opinion.shares.all()) if shares else [],
        "report_share_form": ReportShareForm() if shares else None,
    }


@login_required
@require_POST
def share_report(request, consultation_id):
    """The patient sends the physician report to a doctor (with consent, for some days)."""
    consultation, opinion = access_signed_opinion(request.user, consultation_id,
                                                  check=on_consultation("share_report"))
    form = ReportShareForm(request.POST)
    if form.is_valid():
        try:
            sharing.do_share_report(opinion, form.cleaned_data["email"],
                                    form.cleaned_data["days"], form.cleaned_data["consent"],
                                    acting_user=request.user, key=key_of(request))
        except DomainError as error:
            messages.error(request, _said(error))
        else:
            messages.success(request, "The link to your report was sent to your doctor.")
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values()
                                         for e in errors))
    return redirect(f"/cases/{consultation.case_id}/#report-shares-heading")


@login_required
def revoke_report_share(request, consultation_id, share_id):
    """Confirm, then withdraw a doctor's link: it stops working at once."""
    def own_share(consultation, user):
        patients_own(consultation.case, user)
        on_consultation("revoke_share")(consultation, user)
        if not ReportShare.objects.filter(opinion__consultation=consultation,
                                          id=share_id).exists():
            raise Http404("No such share")

    consultation, opinion = access_opinion_by_consultation_id(request.user, consultation_id,
                                                              check=own_share)
    share = opinion.shares.get(id=share_id)
    if request.method == "POST":
        sharing.do_revoke_report_share(share, acting_user=request.user)
        messages.success(request, f"The link for {share.email} no longer works.")
        return redirect(f"/cases/{consultation.case_id}/#report-shares-heading")
    return render(request, "opinions/revoke_share.html",
                  {"share": share, "case": consultation.case})


def shared_report(request, token):
    """A treating physician opens the link: sign in (account holders) or a one-time code."""
    share = sharing.active_share(token)
    if share is None:
        return render(request, "opinions/share_gone.html", status=410)
    reader = _share_reader(request, share)
    if isinstance(reader, HttpResponse):
        return reader
    context = {"share": share, "case": share.opinion.consultation.case,
               "specialist": share.opinion.consultation.specialist, "token": token}
    if reader is not None:
        return render(request, "opinions/shared_report.html", context)
    form = CodeForm(request.POST if request.POST.get("action") == "check" else None)
    status = 200
    if request.method == "POST" and request.POST.get("action") == "send":
        try:
            sharing.do_send_code(share)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, "We sent a code. It works for "
                                      f"{sharing.CODE_MINUTES} minutes.")
        return redirect(request.path)
    if form.is_bound:
        if form.is_valid():
            try:
                sharing.do_check_code(share, form.cleaned_data["code"])
            except DomainError as error:
                add_action_errors(form, error)
            else:
                request.session[_session_key(share)] = (
                    timezone.now() + timedelta(hours=sharing.VERIFIED_HOURS)).isoformat()
                return redirect(request.path)
        status = 422
    masked = share.email[0] + "•••@" + share.email.split("@")[1]
    return render(request, "opinions/share_code.html",
                  {**context, "form": form, "masked_email": masked}, status=status)


def shared_report_pdf(request, token):
    share = sharing.active_share(token)
    if share is None:
        return render(request, "opinions/share_gone.html", status=410)
    reader = _share_reader(request, share)
    if reader is None:
        return redirect("shared_report", token=token)
    if isinstance(reader, HttpResponse):
        return reader
    sharing.do_view_shared_report(share, acting_user=reader)
    return HttpResponse(reports.render_report(share.opinion, "report", share),
                        content_type="application/pdf",
                        headers={"Content-Disposition": 'inline; filename="second-opinion-'
                                 f'report-{share.opinion.consultation.case.short_id}.pdf"'})


def _session_key(share) -> str:
    return f"report_share:{share.pk}"


def _share_reader(request, share):
    """Who may read now: the signed-in recipient, an outside reader verified by code in this
    session, None (not yet verified), or a response that sends them to sign in or refuses."""
    if share.recipient_id is not None:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not sharing.is_recipient(request.user, share):
            return render(request, "403.html", status=403)
        return request.user
    until = request.session.get(_session_key(share), "")
    if until and datetime.fromisoformat(until) > timezone.now():
        return sharing.OutsideReader(share)
    return None


def _said(error: DomainError) -> str:
    """An action's refusal as one sentence for a flash message."""
    return " ".join(getattr(error, "errors", {}).values()) or error.message
