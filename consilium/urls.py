from allauth.account import views as allauth_views
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path

from consilium import paths  # noqa: F401  (registers the <id:...> converter used below)
from consilium.accounts import views as accounts
from consilium.accounts.forms import SignInForm
from consilium.api import api
from consilium.appointments import views as appointments
from consilium.cases import views as cases
from consilium.comparison import views as comparison
from consilium.consultations import views as consultations
from consilium.conversations import views as conversations
from consilium.decisions import views as decisions
from consilium.directory import views as directory
from consilium.followup import views as followup
from consilium.journal import views as journal
from consilium.mydata import views as mydata
from consilium.opinions import views as opinions
from consilium.program import views as program
from consilium.records import resumable
from consilium.records import views as records
from consilium.stories import views as stories
from consilium.terminology import views as terminology
from consilium.triage import views as triage

# A path that matches nothing (a malformed ID too: consilium/paths.py) answers the API's JSON
# 404 under /api/, the 404 page elsewhere.
handler404 = "consilium.api.page_not_found"

# Sign-in stays Django's view (axes, staff TOTP); it also takes an email address and holds an
# address not yet verified (accounts/forms.py). docs/decisions/0007-accounts-with-allauth.md
sign_in = auth_views.LoginView.as_view(redirect_authenticated_user=True,
                                       authentication_form=SignInForm)

urlpatterns = [
    path("", accounts.home, name="home"),
    path("login/", sign_in, name="login"),
    path("login/", sign_in, name="account_login"),  # allauth's name for the same page
    # Patients' own sign-up (django-allauth): only these of its pages are served.
    path("signup/", accounts.sign_up, name="account_signup"),
    path("signup/confirm-email/", allauth_views.email_verification_sent,
         name="account_email_verification_sent"),
    re_path(r"^confirm-email/(?P<key>[-:\w]+)/$", allauth_views.confirm_email,
            name="account_confirm_email"),
    path("", include("django.contrib.auth.urls")),
    path("account/", accounts.account, name="account"),
    path("account/tokens/<id:token_id>/revoke/", accounts.revoke_token, name="revoke_token"),
    path("account/two-factor/", accounts.two_factor, name="two_factor"),
    path("account/two-factor/recovery-codes/", accounts.recovery_codes, name="recovery_codes"),
    path("account/two-factor/devices/", accounts.devices, name="devices"),
    path("account/two-factor/passkeys/add/", accounts.add_passkey, name="add_passkey"),
    path("account/two-factor/devices/<id:authenticator_id>/remove/", accounts.remove_device,
         name="remove_device"),
    path("account/email/", accounts.email_change, name="email_change"),
    path("account/identity/", accounts.identity, name="identity"),
    path("account/data/", mydata.my_data, name="my_data"),
    path("account/close/", mydata.close_account, name="close_account"),
    path("cases/", cases.case_list, name="case_list"),
    path("cases/new/", cases.case_new, name="case_new"),
    path("cases/<uuid:case_id>/", cases.case_detail, name="case_detail"),
    path("cases/<uuid:case_id>/edit/", cases.case_edit, name="case_edit"),
    path("cases/<uuid:case_id>/submit/", cases.case_submit, name="case_submit"),
    path("cases/<uuid:case_id>/withdraw/", cases.case_withdraw, name="case_withdraw"),
    path("cases/<uuid:case_id>/records-complete/", cases.case_mark_records,
         name="case_mark_records"),
    path("cases/<uuid:case_id>/follow-up/", cases.case_follow_up, name="case_follow_up"),
    path("cases/<uuid:case_id>/close/", cases.case_close, name="case_close"),
    path("cases/<uuid:case_id>/share/", cases.case_share, name="case_share"),
    path("cases/<uuid:case_id>/share/<id:share_id>/revoke/", cases.case_unshare,
         name="case_unshare"),
    path("cases/<uuid:case_id>/offer/", consultations.offer, name="case_offer"),
    path("cases/<uuid:case_id>/matches/", consultations.matches, name="case_matches"),
    path("cases/<uuid:case_id>/first-system/", consultations.confirm_system,
         name="case_confirm_system"),
    path("cases/<uuid:case_id>/first-system/undo/", consultations.unconfirm_system,
         name="case_unconfirm_system"),
    path("cases/<uuid:case_id>/first-institution/", consultations.confirm_institution,
         name="case_confirm_institution"),
    path("cases/<uuid:case_id>/first-institution/undo/", consultations.unconfirm_institution,
         name="case_unconfirm_institution"),
    path("cases/<uuid:case_id>/records/", records.record_list, name="case_records"),
    path("cases/<uuid:case_id>/records/upload/", records.upload, name="record_upload"),
    path("cases/<uuid:case_id>/health-history/", records.health_history,
         name="health_history"),
    path("cases/<uuid:case_id>/imaging/deidentified.zip", records.imaging_export,
         name="imaging_export"),
    path("cases/<uuid:case_id>/imaging/<id:series_id>/", records.series_viewer,
         name="series_viewer"),
    path("cases/<uuid:case_id>/imaging/<id:series_id>/images/<id:index>.png",
         records.series_image, name="series_image"),
    path("cases/<uuid:case_id>/imaging/<id:series_id>/deidentified.zip",
         records.imaging_export, name="series_export"),
    path("cases/<uuid:case_id>/release-request/", records.release_request,
         name="release_request"),
    path("cases/<uuid:case_id>/packet/", records.case_packet, name="case_packet"),
    path("cases/<uuid:case_id>/checklist/", records.checklist_mark, name="checklist_mark"),
    path("cases/<uuid:case_id>/records/<uuid:record_id>/", records.download,
         name="record_download"),
    path("cases/<uuid:case_id>/records/<uuid:record_id>/type/", records.set_type,
         name="record_set_type"),
    path("cases/<uuid:case_id>/records/<uuid:record_id>/remove/", records.remove,
         name="record_remove"),
    path("cases/<uuid:case_id>/records/<uuid:record_id>/confirm/", records.confirm,
         name="record_confirm"),
    path("cases/<uuid:case_id>/records/<uuid:record_id>/remove-all/", records.remove_upload,
         name="record_remove_upload"),
    path("cases/<uuid:case_id>/records/<uuid:record_id>/confirm-all/", records.confirm_upload,
         name="record_confirm_upload"),
    path("cases/<uuid:case_id>/records/<uuid:record_id>/deidentified/", records.deidentified,
         name="record_deidentified"),
    path("cases/<uuid:case_id>/records/<uuid:record_id>/preview.png", records.record_preview,
         name="record_preview"),
    path("cases/<uuid:case_id>/messages/", conversations.conversation, name="case_messages"),
    path("how-we-compare/", comparison.how_we_compare, name="how_we_compare"),
    path("cases/<uuid:case_id>/comparison/", comparison.case_comparison,
         name="case_comparison"),
    path("cases/<uuid:case_id>/comparison/review/", comparison.review,
         name="comparison_review"),
    path("cases/<uuid:case_id>/third-opinion/", comparison.third_opinion,
         name="third_opinion"),
    path("cases/<uuid:case_id>/decide/", decisions.decision_aid, name="decision_aid"),
    path("cases/<uuid:case_id>/journal/", journal.journal, name="journal"),
    path("cases/<uuid:case_id>/journal.pdf", journal.journal_pdf, name="journal_pdf"),
    path("cases/<uuid:case_id>/story/", stories.story, name="case_story"),
    path("cases/<uuid:case_id>/story/take-down/", stories.unpublish, name="case_story_unpublish"),
    path("stories/", stories.public_list, name="public_stories"),
    path("stories/review/", stories.review_list, name="story_review_list"),
    path("stories/<uuid:story_id>/", stories.public_story, name="public_story"),
    path("stories/<uuid:story_id>/review/", stories.review, name="story_review"),
    path("stories/<uuid:story_id>/take-down/", stories.take_down, name="story_take_down"),
    path("cases/<uuid:case_id>/plan/", followup.plan, name="follow_up_plan"),
    path("cases/<uuid:case_id>/plan/tasks/", followup.add_task, name="follow_up_add"),
    path("cases/<uuid:case_id>/plan/tasks/<id:task_id>/", followup.mark_task,
         name="follow_up_mark"),
    path("cases/<uuid:case_id>/plan/outcome/<id:check_id>/", followup.answer_outcome,
         name="follow_up_outcome"),
    path("cases/<uuid:case_id>/plan/plan.ics", followup.plan_calendar, name="follow_up_ics"),
    path("cases/<uuid:case_id>/decide/summary.pdf", decisions.decision_summary,
         name="decision_summary"),
    path("cases/<uuid:case_id>/decision/", decisions.record_decision, name="case_decision"),
    path("consultations/<uuid:consultation_id>/accept/", consultations.accept,
         name="consultation_accept"),
    path("consultations/<uuid:consultation_id>/decline/", consultations.decline,
         name="consultation_decline"),
    path("consultations/<uuid:consultation_id>/withdraw/", consultations.withdraw,
         name="consultation_withdraw"),
    path("consultations/<uuid:consultation_id>/release/", consultations.release,
         name="consultation_release"),
    path("consultations/<uuid:consultation_id>/opinion/", opinions.edit, name="opinion_edit"),
    path("consultations/<uuid:consultation_id>/opinion/autosave/", opinions.autosave,
         name="opinion_autosave"),
    path("consultations/<uuid:consultation_id>/opinion/readability/",
         opinions.summary_readability, name="opinion_readability"),
    path("consultations/<uuid:consultation_id>/opinion/sign/", opinions.sign,
         name="opinion_sign"),
    path("consultations/<uuid:consultation_id>/opinion/follow-ups/", opinions.ask_follow_up,
         name="opinion_follow_up"),
    path("consultations/<uuid:consultation_id>/opinion/addenda/", opinions.add_addendum,
         name="opinion_addendum"),
    path("consultations/<uuid:consultation_id>/opinion/<str:kind>.pdf", opinions.report,
         name="opinion_report"),
    path("consultations/<uuid:consultation_id>/opinion/shares/", opinions.share_report,
         name="report_share"),
    path("consultations/<uuid:consultation_id>/opinion/shares/<id:share_id>/withdraw/",
         opinions.revoke_report_share, name="report_share_revoke"),
    path("consultations/<uuid:consultation_id>/appointments/new/", appointments.schedule,
         name="appointment_new"),
    path("appointments/<uuid:appointment_id>/edit/", appointments.reschedule,
         name="appointment_edit"),
    path("appointments/<uuid:appointment_id>/cancel/", appointments.cancel,
         name="appointment_cancel"),
    path("appointments/<uuid:appointment_id>/appointment.ics", appointments.calendar_file,
         name="appointment_ics"),
    path("reports/<str:token>/", opinions.shared_report, name="shared_report"),
    path("reports/<str:token>/report.pdf", opinions.shared_report_pdf,
         name="shared_report_pdf"),
    path("invitations/<str:token>/", cases.accept_invitation, name="accept_invitation"),
    path("terminology/icd10/suggestions/", terminology.icd10_suggestions,
         name="icd10_suggestions"),
    path("assess/", triage.assess_page, name="assess"),
    path("assess/start/", triage.start_case, name="assess_start"),
    path("assess/continue/", triage.continue_case, name="assess_continue"),
    path("uploads/", resumable.create, name="upload_create"),
    path("uploads/<uuid:upload_id>/", resumable.upload, name="upload_part"),
    path("queue/", program.work_queue, name="work_queue"),
    path("figures/", program.figures, name="program_figures"),
    path("figures.csv", program.figures_csv, name="program_figures_csv"),
    path("specialists/", directory.specialist_list, name="specialist_list"),
    path("specialists/<id:specialist_id>/edit/", directory.edit_profile,
         name="specialist_edit"),
    path("account/availability/", directory.my_availability, name="my_availability"),
    path("directory/places/suggestions/", directory.place_suggestions,
         name="place_suggestions"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
]
