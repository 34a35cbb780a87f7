"""Shared fixtures: one user per role, specialists, and cases built through the real actions."""

import pytest
from django.contrib.auth import get_user_model

from consilium.accounts.models import ApiToken, Role
from consilium.cases import actions as case_actions
from consilium.consultations.actions import do_accept_consultation, do_offer_consultation
from consilium.directory.builders import build_specialist
from consilium.opinions.actions import do_save_opinion, do_sign_opinion
from consilium.terms.access import forget
from consilium.tests.lock_order import audit_head_locked_alone  # noqa: F401  (every test)
from consilium.tests.write_guard import writes_only_in_actions  # noqa: F401  (every test)

FIRST_OPINION = {
    "diagnosis_text": "Breast cancer, left breast",
    "diagnosis_codes": ["C50.912"],
    "treatment_category": "surgery",
    "treatment_description": "Mastectomy",
    "institution": "Riverside Medical Center",
    "hospital_system": "Riverside Health",
    "questions": ["Is breast-conserving surgery an option?", "How long is recovery?"],
}

PASSWORD = "correct horse battery"
COMPLETE_OPINION = {
    "diagnosis_agreement": "agree",
    "treatment_agreement": "alternative",  # keeping the breast and adding radiation
    "treatment_category": "surgery",
    "treatment_description": "Lumpectomy with radiation.",
    "reasoning": "Equal survival for breast-conserving therapy at this stage.",
    "confidence": "high",
    "plain_summary": "The diagnosis is right; a smaller operation works as well.",
    "options": [{"title": "Lumpectomy and radiation", "recommended": True,
                 "benefits": "Keeps the breast; same survival.",
                 "harms": "Daily radiation for three to five weeks.",
                 "living_with": "Back to most activities within two weeks."}],
}


def sign_request():
    """A request to re-authenticate with, as the signing page sends (django-axes needs one)."""
    from django.test import RequestFactory
    return RequestFactory().post("/")


@pytest.fixture
def make_user(db):
    def make(username, role, **extra):
        return get_user_model().objects.create_user(
            username=username, password=PASSWORD, role=role,
            email=f"{username}@example.org", **extra,
        )
    return make


@pytest.fixture
def users(make_user):
    """One user per role, plus a second patient, caregiver, physician and specialist."""
    return {name: make_user(name, role) for name, role in [
        ("patient", Role.PATIENT), ("patient2", Role.PATIENT),
        ("caregiver", Role.CAREGIVER), ("caregiver2", Role.CAREGIVER),
        ("coordinator", Role.COORDINATOR),
        ("specialist", Role.SPECIALIST), ("specialist2", Role.SPECIALIST),
        ("physician", Role.PHYSICIAN), ("physician2", Role.PHYSICIAN),
        ("admin", Role.ADMIN),
    ]}


@pytest.fixture
def specialists(users):
    def add(name, user, system):
        return build_specialist(
            name=name, user=user, taxonomy_code="207RX0202X", specialty="Medical Oncology",
            institution=f"{system} Hospital", hospital_system=system, postal_code="80218",
            city="Denver", state="CO", languages=["en"],
        )
    return {
        "specialist": add("Dr. Helen Okafor", users["specialist"], "Summit Health"),
        "specialist2": add("Dr. Daniel Weiss", users["specialist2"], "Lakeshore Health"),
        "same_system": add("Dr. Same System", None, "Riverside Health"),
    }


@pytest.fixture
def journey(users, specialists):
    """Build a case and move it as far as asked, through the same actions the pages use."""

    def build(upto="draft", patient="patient"):
        patient_user = users[patient]
        case = case_actions.do_create_case(dict(FIRST_OPINION), acting_user=patient_user)
        steps = ["draft", "submitted", "offered", "accepted", "in_review", "opinion_delivered"]
        target = steps.index(upto)
        consultation = None
        if target >= 1:
            case_actions.do_submit_case(case, acting_user=patient_user)
        if target >= 2:
            consultation = do_offer_consultation(
                case, specialists["specialist"].id, acting_user=users["coordinator"]
            )
        if target >= 3:
            do_accept_consultation(consultation, acting_user=users["specialist"])
        if target >= 4:
            answers = {q.id: {"text": "An answer."} for q in case.questions.all()}
            do_save_opinion(consultation, {**COMPLETE_OPINION, "answers": answers},
                            acting_user=users["specialist"], base_version=0)
        if target >= 5:
            do_sign_opinion(consultation, acting_user=users["specialist"],
                            request=sign_request(), secret=PASSWORD)
        case.refresh_from_db()
        return case, consultation

    return build


@pytest.fixture
def token_for(db):
    def issue(user):
        return ApiToken.issue(user, "test")[1]
    return issue


@pytest.fixture
def api(client, token_for):
    """Call the JSON API as a user, with a real bearer token."""

    class Api:
        def __call__(self, user, method, path, json=None):
            headers = {"Authorization": f"Bearer {token_for(user)}"} if user else {}
            call = getattr(client, method.lower())
            kwargs = {"content_type": "application/json"} if json is not None else {}
            return call(f"/api/v1{path}", json if json is not None else None,
                        headers=headers, **kwargs)

    return Api()


def authenticator_app(user, secret=None):
    """A real allauth.mfa TOTP authenticator for ``user`` (its secret: ``app_secret``)."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    existing = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    return existing or TOTP.activate(user, secret or generate_totp_secret()).instance


def app_secret(app) -> str:
    from allauth.mfa.utils import decrypt

    return decrypt(app.data["secret"])


def app_code(app, at=None, offset: int = 0) -> str:
    """The code the authenticator app shows at ``at`` (a datetime; now if not given),
    ``offset`` steps of 30 seconds later."""
    import time

    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    moment = at.timestamp() if at is not None else time.time()
    return format_hotp_value(hotp_value(app_secret(app), int(moment) // 30 + offset))


@pytest.fixture
def login(client):
    """Sign a user in on the test client; staff also have an authenticator app (allauth.mfa)
    whose step this session passed."""
    from allauth.mfa.models import Authenticator

    from consilium.accounts.mfa import SESSION_KEY

    def sign_in(user, the_client=None):
        the_client = the_client or client
        the_client.force_login(user)
        app = authenticator_app(user) if user.needs_two_factor else \
            Authenticator.objects.filter(user=user).first()
        if app is not None:  # a patient who added one passes it too
            session = the_client.session
            session[SESSION_KEY] = app.pk
            session.save()
        return the_client

    return sign_in


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load ICD-10-CM once per test database; its table is unmanaged, so flushes keep it."""
    from consilium.terminology.loading import read_icd10cm, store_icd10cm
    from consilium.terminology.models import Icd10Code

    with django_db_blocker.unblock():
        if not Icd10Code.objects.exists():
            store_icd10cm(read_icd10cm())


@pytest.fixture(autouse=True)
def _program_terms_read_afresh():
    """The program's terms held from an earlier test (terms/access.py) belong to rows that
    test rolled back: each test reads its own."""
    forget()
    yield
    forget()


@pytest.fixture(autouse=True)
def _files_in_tmp(settings, tmp_path):
    """Each test stores record files (and their temporary copies) in its own folder, never
    in var/."""
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "tmp")
    (tmp_path / "tmp").mkdir()
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                    "OPTIONS": {"location": str(tmp_path / "files")}},
    }
