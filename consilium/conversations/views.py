from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render

from consilium.cases.access import access_case_by_id
from consilium.consultations.models import Consultation, ConsultationStatus
from consilium.errors import InvalidInput
from consilium.forms import add_action_errors, form_status
from consilium.records.actions import Upload
from consilium.submissions.once import key_of

from .access import record_messages_read, threads_of
from .actions import do_send_message, read_mark
from .forms import MessageForm
from .policy import policy

THREADS_PAGE = 20


@login_required
def conversation(request, case_id):
    """A case's message threads the user may read, newest first, and the form to write or
    reply (the care team also chooses who reads a new message)."""
    case = access_case_by_id(request.user, case_id, action="case.messages",
                             check=policy.checker("read"))
    form = MessageForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        files = [Upload.of(f) for f in request.FILES.getlist("files")]
        try:
            message = do_send_message(case, form.cleaned_data, acting_user=request.user,
                                      files=files, key=key_of(request))
        except InvalidInput as error:
            add_action_errors(form, error)
        else:
            messages.success(request, "Your message is sent.")
            return redirect(f"{request.path}#message-{(message.reply_to_id or message.id)}")
    read_until = read_mark(case, request.user)
    threads = threads_of(case, request.user).order_by("-created_at")
    page = Paginator(threads, THREADS_PAGE).get_page(request.GET.get("page"))
    record_messages_read(request.user, case, page.object_list)
    waiting = Consultation.objects.filter(case=case, status=ConsultationStatus.ACCEPTED,
                                          waiting_on_patient_since__isnull=False).first()
    return render(request, "conversations/conversation.html", {
        "case": case, "page": page, "form": form, "read_until": read_until,
        "waiting": waiting, "allowed": policy.allowed(request.user, case),
    }, status=form_status(form))
