"""Django settings for Consilium.

Everything comes from the environment (``CONSILIUM_*`` and ``DATABASE_URL``); a secret may
instead be read from the file named by ``<NAME>_FILE``. With nothing set, the settings are the
safe production ones: DEBUG off, secure cookies, HSTS, a strict Content-Security-Policy.
"""

import base64
import contextlib
import os
import secrets
from datetime import date
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from consilium.logs import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    """Return CONSILIUM_<name>, or the contents of the file named by CONSILIUM_<name>_FILE."""
    key = f"CONSILIUM_{name}"
    path = os.environ.get(f"{key}_FILE")
    if path:
        return Path(path).read_text().strip()
    return os.environ.get(key, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = env(name, "1" if default else "0").strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise ImproperlyConfigured(f"CONSILIUM_{name} must be a boolean, not {value!r}")


def env_int(name: str, default: int) -> int:
    value = env(name, str(default))
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"CONSILIUM_{name} must be a whole number") from exc


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG")
VAR_DIR = Path(env("VAR_DIR", str(BASE_DIR / "var")))
# Owner-only: the database, record files and keys live here. An existing folder is tightened;
# if it cannot be (another owner), check --deploy says so (consilium/records/checks.py).
VAR_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
with contextlib.suppress(PermissionError):
    VAR_DIR.chmod(0o700)


def _secret_key() -> str:
    """Use the configured key, or create one per installation in var/ (never a shared default)."""
    configured = env("SECRET_KEY")
    if configured:
        return configured
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.touch(mode=0o600)
        key_file.write_text(secrets.token_urlsafe(50))
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
# A key generated into var/ sits beside the data; check --deploy refuses it (records/checks.py).
SECRET_KEY_GENERATED = not env("SECRET_KEY")


MAKE_MASTER_KEY = ("python3 -c 'import base64, secrets; "
                   "print(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())'")


def _no_master_key(old_key: Path) -> ImproperlyConfigured:
    """Why production will not start without a configured master key, and how to make one."""
    if old_key.exists():
        return ImproperlyConfigured(
            f"CONSILIUM_MASTER_KEY is not set, and {old_key} holds the master key an earlier "
            "install generated beside the data it encrypts. Move it out of CONSILIUM_VAR_DIR "
            "(e.g. to /etc/consilium/master_key, readable only by Consilium's user) and set "
            "CONSILIUM_MASTER_KEY_FILE to its new path; the stored files need that key.")
    return ImproperlyConfigured(
        "CONSILIUM_MASTER_KEY (or CONSILIUM_MASTER_KEY_FILE, a file holding it) must be set "
        "when DEBUG is off: Consilium will not generate the record-encryption key beside the "
        "data. Make one, keep it outside CONSILIUM_VAR_DIR and back it up apart from the data: "
        f"{MAKE_MASTER_KEY} > /etc/consilium/master_key && chmod 600 /etc/consilium/master_key")


def _master_keys() -> tuple[list[str], Path | None]:
    """Record-encryption master keys (base64url, 32 bytes): the current one first, then old
    ones still needed until ``manage.py rotate_keys`` has rewrapped every file key; and the
    file the current one was read from, if any. Generated into var/ only in DEBUG."""
    current = env("MASTER_KEY")
    named = os.environ.get("CONSILIUM_MASTER_KEY_FILE")
    key_file = Path(named) if named else None
    if not current:
        key_file = VAR_DIR / "master_key"
        if not DEBUG:
            raise _no_master_key(key_file)
        if not key_file.exists():
            key_file.touch(mode=0o600)
            key_file.write_text(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())
        current = key_file.read_text().strip()
    return [current, *env_list("OLD_MASTER_KEYS")], key_file


RECORDS_MASTER_KEYS, RECORDS_MASTER_KEY_FILE = _master_keys()


def _audit_key() -> str:
    """The audit trail's HMAC key: kept out of the database, so that whoever can write the
    database cannot re-chain the trail. Generated into var/ only in DEBUG."""
    configured = env("AUDIT_KEY")
    if configured:
        if len(configured) < 32:
            raise ImproperlyConfigured("CONSILIUM_AUDIT_KEY must be at least 32 characters")
        return configured
    if not DEBUG:
        raise ImproperlyConfigured(
            "CONSILIUM_AUDIT_KEY (or CONSILIUM_AUDIT_KEY_FILE) must be set when DEBUG is off: "
            "it keys the audit trail's hash chain and must not be stored in the database. "
            "Make one with: python3 -c 'import secrets; print(secrets.token_urlsafe(32))'")
    key_file = VAR_DIR / "audit_key"
    if not key_file.exists():
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_urlsafe(32))
    return key_file.read_text().strip()


AUDIT_KEY = _audit_key()
# An append-only file outside the database where each append writes the trail's count and
# head hash (consilium/audit/anchor.py); check --deploy insists on it in production.
AUDIT_ANCHOR = env("AUDIT_ANCHOR", str(VAR_DIR / "audit-anchor.log") if DEBUG else "")
# On: a sealer process (manage.py seal_audit --follow, run by manage.py serve beside the web
# workers) chains the audit rows every second, so no page waits for the trail's head. Off
# (the default, for a plain runserver or gunicorn): each request seals its own rows.
AUDIT_SEALER = env_bool("AUDIT_SEALER")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    # django-otp only for its table, read once by accounts' migration 0006 (into allauth.mfa).
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    # Staff single sign-on (OpenID Connect): only its provider's login and callback are routed.
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "csp",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "consilium.accounts",
    "consilium.audit",
    "consilium.terminology",
    "consilium.triage",
    "consilium.records",
    "consilium.directory",
    "consilium.terms",
    "consilium.cases",
    "consilium.consultations",
    "consilium.conversations",
    "consilium.appointments",
    "consilium.opinions",
    "consilium.comparison",
    "consilium.followup",
    "consilium.journal",
    "consilium.stories",
    "consilium.decisions",
    "consilium.submissions",
    "consilium.program",
    "consilium.operations",
]

MIDDLEWARE = [
    # /health/ and /metrics, before the host check and the HTTPS redirect (operations/views.py)
    "consilium.operations.middleware.OperationsMiddleware",
    # Counts and times every request below by its route's name (operations/metrics.py).
    "consilium.operations.metrics.RequestMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "consilium.middleware.NoStoreMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "consilium.accounts.middleware.SignOutWhenIdleMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "consilium.audit.middleware.AuditContextMiddleware",
    "consilium.accounts.middleware.RequireTwoFactorMiddleware",
    "consilium.middleware.DomainErrorMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "consilium.urls"
WSGI_APPLICATION = "consilium.wsgi.application"

TEMPLATES = [
    {
        # Django's, showing a signed-in viewer's times in their own zone (templating.py)
        "BACKEND": "consilium.templating.ViewersTimeZoneTemplates",
        "DIRS": [BASE_DIR / "consilium" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# SQLite by default (WAL, writes serialised with BEGIN IMMEDIATE so the audit hash chain
# never forks; a 32 MB page cache per connection, so that the directory's indexes stay in
# memory rather than being read page by page from the operating system); PostgreSQL when
# DATABASE_URL says so.
_database_url = os.environ.get("DATABASE_URL")
if _database_url:
    DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=60)}
    # PostgreSQL's JIT compiles a query when its estimated cost is high; for matching's
    # queries (many short rows) compiling costs more than it saves (p50 158 to 108 ms at 1M).
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(VAR_DIR / "consilium.sqlite3"),
            # Kept between requests, like PostgreSQL's: reopening the file for every request
            # re-read the schema, re-ran the pragmas and emptied the page cache (the bare
            # view served 600 req/s, 1,175 with connections kept; bench/load.py).
            "CONN_MAX_AGE": 60,
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": ("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                                 "PRAGMA cache_size=-32768;"),
            },
        }
    }
    # MatchRow's index carries its codes on PostgreSQL only (INCLUDE); SQLite builds it
    # without them, as intended, and Django would warn about that on every migrate.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    # Signs in by email address too (patients who signed up have no username of their own).
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Behind a TLS proxy (CONSILIUM_BEHIND_PROXY) the client's address is the PROXY_COUNT-th
# entry from the right of X-Forwarded-For (consilium/proxy.py); otherwise the peer's.
BEHIND_PROXY = env_bool("BEHIND_PROXY")
PROXY_COUNT = env_int("PROXY_COUNT", 1)
if PROXY_COUNT < 1:
    raise ImproperlyConfigured("CONSILIUM_PROXY_COUNT is the number of proxies in front, 1 or more")
# Account lockout (django-axes): five failures for a username from one client address lock
# it there; after LOGIN_DELAY_AFTER failures from anywhere each further attempt waits 1, 2,
# 4 … LOGIN_DELAY_MAX_SECONDS seconds, except from addresses it signed in from before
# (consilium/accounts/lockout.py).
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("LOGIN_COOLOFF_MINUTES", 30) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
AXES_CLIENT_IP_CALLABLE = "consilium.proxy.client_address"
AXES_HANDLER = "consilium.accounts.lockout.LockoutHandler"
AXES_LOCKOUT_CALLABLE = "consilium.accounts.lockout.lockout_response"
LOGIN_DELAY_AFTER = env_int("LOGIN_DELAY_AFTER", 10)
LOGIN_DELAY_MAX_SECONDS = env_int("LOGIN_DELAY_MAX_SECONDS", 60)

# Patients sign up on their own (django-allauth, accounts/adapter.py): email as the login,
# the address verified by a link before the account can be signed in to, always the patient
# role. Sign-in stays Django's LoginView at /login/ (with axes and staff TOTP); see
# docs/decisions/0007-accounts-with-allauth.md.
ACCOUNT_ADAPTER = "consilium.accounts.adapter.AccountAdapter"
ACCOUNT_FORMS = {"signup": "consilium.accounts.forms.SignUpForm"}
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
# Opening the link in the same browser within this many seconds signs in and goes on to
# where the patient was going (the assessment's answers): the patients' idle time, as finding
# the email may take a while; allauth's default is 15 minutes.
ACCOUNT_LOGIN_TIMEOUT = env_int("PATIENT_SESSION_IDLE_MINUTES", 60) * 60
# A sign-up with a known address looks like any other; the owner gets an email saying so.
ACCOUNT_PREVENT_ENUMERATION = True
# Email changes replace the one address, once the new one is verified.
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"{env('PROGRAM_NAME', 'Consilium')}: "
ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS = env_int("EMAIL_CONFIRMATION_DAYS", 3)
# Sign-ups per client address (allauth counts them in the default cache); the rest are
# allauth's defaults.
ACCOUNT_RATE_LIMITS = {"signup": env("SIGNUP_RATE_LIMIT", "5/m/ip,20/h/ip")}

# Second factors on allauth.mfa behind Consilium's own sign-in and code step
# (accounts/mfa.py, accounts/codes.py): passkeys (WebAuthn, as a second factor after the
# password), an authenticator app (TOTP) and recovery codes shown
# once; the secret and seed encrypted like health data (accounts/mfa.MFAAdapter).
MFA_ADAPTER = "consilium.accounts.mfa.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_TOTP_ISSUER = env("PROGRAM_NAME", "Consilium")
# A code of the step before or after is still accepted (a phone's clock a little off), as
# django-otp did; each code only once (accounts/codes.py).
MFA_TOTP_TOLERANCE = 1
MFA_RECOVERY_CODES_SHOW_ONCE = True
# Roles that must confirm a one-time code after their password.
TWO_FACTOR_ROLES = {"coordinator", "specialist", "admin"}

# Staff single sign-on with the hospital's identity provider (OpenID Connect, allauth's
# openid_connect provider; accounts/sso.py, docs/deploy.md "Connecting an identity provider").
# Off unless CONSILIUM_OIDC_SERVER_URL (the issuer; its /.well-known/openid-configuration is
# read) is set. It reaches only existing staff accounts: it creates none and grants no role.
OIDC_SERVER_URL = env("OIDC_SERVER_URL").strip().rstrip("/")
# Shown on the button: "Sign in with St Mary's account".
OIDC_NAME = env("OIDC_NAME", "your hospital account")
# The provider's part of the sign-in URLs: /login/sso/<id>/ and /login/sso/<id>/callback/.
OIDC_PROVIDER_ID = "hospital"
# Whether a second factor the identity provider says it asked (the ID token's "amr" claim,
# RFC 8176) stands in for Consilium's own; off: Consilium asks its own after every sign-in.
OIDC_TRUSTS_MFA = env_bool("OIDC_TRUSTS_MFA")


def _oidc_providers() -> dict:
    """allauth's SOCIALACCOUNT_PROVIDERS for the one identity provider, from the environment
    (no SocialApp rows in the database)."""
    if not OIDC_SERVER_URL:
        return {}
    client_id, secret = env("OIDC_CLIENT_ID"), env("OIDC_CLIENT_SECRET")
    if not client_id or not secret:
        raise ImproperlyConfigured("CONSILIUM_OIDC_SERVER_URL is set: set CONSILIUM_OIDC_CLIENT_ID "
                                   "and CONSILIUM_OIDC_CLIENT_SECRET (or _FILE) too")
    if not DEBUG and not OIDC_SERVER_URL.startswith("https://"):
        raise ImproperlyConfigured("CONSILIUM_OIDC_SERVER_URL must be an https:// address")
    return {"openid_connect": {"APPS": [{
        "provider_id": OIDC_PROVIDER_ID, "name": OIDC_NAME,
        "client_id": client_id, "secret": secret,
        "settings": {"server_url": OIDC_SERVER_URL, "oauth_pkce_enabled": True},
    }]}}


SOCIALACCOUNT_PROVIDERS = _oidc_providers()
SOCIALACCOUNT_ADAPTER = "consilium.accounts.sso.SocialAccountAdapter"
# Nothing is made from a provider's sign-in: no account (the adapter refuses), no address
# rows; the address it matched by was verified by the provider (its email_verified claim).
SOCIALACCOUNT_AUTO_SIGNUP = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False  # allauth's would wipe the password; ours matches
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"
SOCIALACCOUNT_EMAIL_REQUIRED = False
# The provider's access and refresh tokens are not kept: Consilium calls it only to sign in.
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_LOGIN_ON_GET = False  # the button posts (CSRF); a GET shows a continue button
SOCIALACCOUNT_REQUESTS_TIMEOUT = 10

LANGUAGE_CODE = "en-us"
TIME_ZONE = env("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS: list[Path | tuple[str, Path]] = [BASE_DIR / "consilium" / "static"]
# tus-js-client (resumable uploads) comes from npm at install time; without it the upload
# form still works, just not resumably.
RESUMABLE_UPLOADS = (BASE_DIR / "node_modules" / "tus-js-client" / "dist").is_dir()
if RESUMABLE_UPLOADS:
    STATICFILES_DIRS.append(("tus", BASE_DIR / "node_modules" / "tus-js-client" / "dist"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": VAR_DIR / "files"}},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
                    if not DEBUG else
                    "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Record files on S3-compatible object storage (AWS S3, MinIO, Ceph, ...) instead of the local
# folder: set CONSILIUM_S3_BUCKET. Files are encrypted by Consilium before they leave, so the
# store only ever holds ciphertext; it is read by the server, never linked to browsers.
if env("S3_BUCKET"):
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env("S3_BUCKET"),
            "endpoint_url": env("S3_ENDPOINT_URL") or None,
            "region_name": env("S3_REGION") or None,
            "access_key": env("S3_ACCESS_KEY_ID") or None,
            "secret_key": env("S3_SECRET_ACCESS_KEY") or None,
            "location": env("S3_PREFIX"),
            "file_overwrite": False,
            "default_acl": None,
            "querystring_auth": True,
        },
    }
WHITENOISE_USE_FINDERS = DEBUG

TASKS = {
    "default": {
        "BACKEND": env("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

# The console backend prints every message, links and codes included: only for development.
# With DEBUG off it is SMTP, and the console and file backends are refused at start-up
# (consilium/accounts/checks.py).
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend" if DEBUG
                    else "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "consilium@localhost")

# Security headers: safe by default, relaxed only for local development over plain HTTP.
SECURE_SSL_REDIRECT = env_bool("SSL_REDIRECT", not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_PROXY else None
SECURE_HSTS_SECONDS = env_int("HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
# The preload directive alone enrols nothing; it lets a deployer submit the domain.
SECURE_HSTS_PRELOAD = env_bool("HSTS_PRELOAD", not DEBUG)
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# A session ends this long after signing in however busy (accounts.middleware), and sooner
# after its role's idle time: 30 minutes for staff, who work on shared hospital computers;
# 60 for patients and caregivers, on their own devices, reading a long opinion or decision
# aid, or writing a journal note, where being signed out midway costs most.
SESSION_COOKIE_AGE = env_int("SESSION_HOURS", 12) * 3600
SESSION_IDLE_MINUTES = env_int("SESSION_IDLE_MINUTES", 30)
PATIENT_SESSION_IDLE_MINUTES = env_int("PATIENT_SESSION_IDLE_MINUTES", 60)
PATIENT_SESSION_ROLES = {"patient", "caregiver"}
# Personal API tokens: the days a new token lasts unless its owner chooses fewer or more,
# and the most they may choose.
API_TOKEN_DAYS = env_int("API_TOKEN_DAYS", 90)
API_TOKEN_MAX_DAYS = env_int("API_TOKEN_MAX_DAYS", 365)
X_FRAME_OPTIONS = "DENY"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

# Health data never goes to logs (consilium/logs.py): levels, route names and opaque
# identifiers only, tokens of links redacted. CONSILIUM_LOG_FORMAT=json writes one JSON object
# a line, for a log shipper.
LOG_FORMAT = env("LOG_FORMAT", "text")
try:
    LOGGING = logging_config(env("LOG_LEVEL", "INFO"), LOG_FORMAT)
except ValueError as exc:
    raise ImproperlyConfigured(str(exc)) from exc

# Who may read /metrics: a bearer of this token (Prometheus's `authorization` with a
# credentials_file). Unset, /metrics answers 404: closed unless a deployer opens it.
METRICS_TOKEN = env("METRICS_TOKEN")
if METRICS_TOKEN and len(METRICS_TOKEN) < 32:
    raise ImproperlyConfigured("CONSILIUM_METRICS_TOKEN must be at least 32 characters")

PROGRAM_NAME = env("PROGRAM_NAME", "Consilium")
# How long the cases of a closed account are kept before `manage.py erase_closed_accounts`
# erases them (run it daily). Medical records must be kept after the last treatment: ten years
# in Germany (BGB § 630f (3), MBO-Ä § 10 (3)), six to ten in most US states (longer for
# minors), six years for HIPAA documentation. Ten years is the safe default; a program whose
# law says otherwise sets CONSILIUM_RETENTION_DAYS.
RETENTION_DAYS = env_int("RETENTION_DAYS", 3650)
# The address people open from emails (invitation links); no trailing slash.
SITE_URL = env(
    "SITE_URL",
    "http://127.0.0.1:8000" if DEBUG or not ALLOWED_HOSTS else f"https://{ALLOWED_HOSTS[0]}",
).rstrip("/")
INVITATION_DAYS = env_int("INVITATION_DAYS", 14)
# An administrator's invitation of a staff member, or a set-up link after a reset of their
# second factor (accounts.StaffInvitation): shorter, as it opens a staff role.
STAFF_INVITATION_DAYS = env_int("STAFF_INVITATION_DAYS", 7)
# Records: limits per file and per case (bytes).
RECORDS_MAX_FILE_BYTES = env_int("RECORDS_MAX_FILE_BYTES", 4 * 1024**3)
RECORDS_MAX_CASE_BYTES = env_int("RECORDS_MAX_CASE_BYTES", 20 * 1024**3)
# A request for records to a provider (records.RecordsRequest) is due this many days after
# it is sent, unless the coordinator gives another day: two weeks, then a reminder (the law
# may allow the provider longer: 30 days under HIPAA's right of access).
# A default: administrators change it on /program/settings/ (terms.access.current()).
RECORDS_REQUEST_DAYS = env_int("RECORDS_REQUEST_DAYS", 14)
# Uploads bigger than this go to a temporary file, never into memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024**2
# Django's two handlers, keeping a file's full name so one too long is refused, not cut.
FILE_UPLOAD_HANDLERS = ["consilium.records.upload_handlers.MemoryUploads",
                        "consilium.records.upload_handlers.TemporaryUploads"]
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_TEMP_DIR = str(VAR_DIR / "tmp")
Path(FILE_UPLOAD_TEMP_DIR).mkdir(mode=0o700, exist_ok=True)
with contextlib.suppress(PermissionError):
    Path(FILE_UPLOAD_TEMP_DIR).chmod(0o700)
# The country the self-assessment assumes when none is given (ISO 3166 code).
DEFAULT_COUNTRY = env("DEFAULT_COUNTRY", "US").upper()
# The paper the program's PDFs are laid out on (reports, packets, letters): the size its
# country prints on, Letter in North America and a few countries of Latin America and Asia,
# A4 elsewhere; CONSILIUM_PAPER_SIZE ("A4" or "letter") overrides it.
LETTER_COUNTRIES = frozenset({"US", "CA", "MX", "PR", "GT", "SV", "HN", "NI", "CR", "PA",
                              "DO", "CU", "CO", "VE", "CL", "BZ", "PH"})
PAPER_SIZE = env("PAPER_SIZE", "letter" if DEFAULT_COUNTRY in LETTER_COUNTRIES else "A4")
PAPER_SIZE = {"a4": "A4", "letter": "letter"}.get(PAPER_SIZE.strip().lower(), PAPER_SIZE)
if PAPER_SIZE not in {"A4", "letter"}:
    raise ImproperlyConfigured(f'CONSILIUM_PAPER_SIZE must be "A4" or "letter", not {PAPER_SIZE!r}')
# The service level (consultations/clock.py): business days from complete records
# to the written opinion, business days a specialist has to answer an offer, business days
# before the due date that the reminder goes out, and the program's holidays (ISO dates,
# "2026-12-25,2027-01-01"), which do not count as business days. These, FOLLOW_UP_QUESTIONS
# and TASK_REMINDER_DAYS are the defaults: administrators change them on /program/settings/
# (consilium/terms), and the newest change is in force; read them through
# consilium.terms.access.current(), never here.
SERVICE_LEVEL_DAYS = env_int("SERVICE_LEVEL_DAYS", 7)
# The program's video service: "{room}" becomes each appointment's own opaque room name.
# Empty means the program offers no video appointments. (Consilium has no video of its own.)
VIDEO_URL_TEMPLATE = env("VIDEO_URL_TEMPLATE",
                         "https://video.example.org/consilium-{room}" if DEBUG else "")
# Questions a patient may ask the specialist after the opinion is delivered.
FOLLOW_UP_QUESTIONS = env_int("FOLLOW_UP_QUESTIONS", 3)
# The follow-up plan: days before a task is due that its reminder goes out, and the months
# after the decision at which the patient is asked what they did and how it went.
TASK_REMINDER_DAYS = env_int("TASK_REMINDER_DAYS", 2)
OUTCOME_CHECK_MONTHS = [int(m) for m in env_list("OUTCOME_CHECK_MONTHS", "3,12")]
OFFER_ANSWER_DAYS = env_int("OFFER_ANSWER_DAYS", 2)
REMINDER_DAYS_BEFORE = env_int("REMINDER_DAYS_BEFORE", 2)
try:
    HOLIDAYS = frozenset(date.fromisoformat(day) for day in env_list("HOLIDAYS"))
except ValueError as exc:
    raise ImproperlyConfigured("CONSILIUM_HOLIDAYS must be ISO dates: 2026-12-25,…") from exc
# Whether patients may see the proposed specialists and choose one themselves.
PATIENTS_CHOOSE_SPECIALIST = env_bool("PATIENTS_CHOOSE_SPECIALIST")
# How matching weighs what makes a specialist a good fit (components are 0 to 1; the page
# shows these). CONSILIUM_MATCH_WEIGHTS="specialty_fit=3,distance=0.5" changes some of them.
MATCH_WEIGHTS = {
    "specialty_fit": 3.0, "condition_focus": 2.0, "centre": 1.5, "turnaround": 1.0,
    "load": 1.0, "distance": 1.0, "language": 0.5,
}
for _pair in env_list("MATCH_WEIGHTS"):
    _name, _, _value = _pair.partition("=")
    if _name.strip() not in MATCH_WEIGHTS:
        raise ImproperlyConfigured(f"CONSILIUM_MATCH_WEIGHTS: unknown component {_name!r}")
    try:
        MATCH_WEIGHTS[_name.strip()] = float(_value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"CONSILIUM_MATCH_WEIGHTS: {_pair!r} is not name=number"
                                   ) from exc
