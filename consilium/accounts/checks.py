"""Outgoing email in production: no backend that writes messages, links and codes to a log.

The console backend prints each message (reset links, invitation and report links, one-time
codes) to standard output, and the file backend writes them to files; with DEBUG off both are
refused when Django starts (AccountsConfig.ready) and reported by ``check --deploy``. The dummy
and in-memory backends drop mail: not a leak, but nobody could reset a password, so a warning.
"""

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.core.mail.backends.console import EmailBackend as ConsoleBackend
from django.core.mail.backends.dummy import EmailBackend as DummyBackend
from django.core.mail.backends.locmem import EmailBackend as MemoryBackend
from django.utils.module_loading import import_string

SMTP = "django.core.mail.backends.smtp.EmailBackend"


def writes_mail_out() -> str | None:
    """Why the configured backend may not run with DEBUG off, or None when it may."""
    if settings.DEBUG:
        return None
    try:
        backend = import_string(settings.EMAIL_BACKEND)
    except ImportError:
        return f"CONSILIUM_EMAIL_BACKEND {settings.EMAIL_BACKEND!r} cannot be imported."
    if isinstance(backend, type) and issubclass(backend, ConsoleBackend):  # file is one too
        return (f"CONSILIUM_EMAIL_BACKEND is {settings.EMAIL_BACKEND}, which writes every "
                "email, with its reset, invitation and report links and one-time codes, to the "
                f"log or to files. With DEBUG off use {SMTP} (the default) and set "
                "CONSILIUM_EMAIL_HOST, CONSILIUM_EMAIL_PORT, CONSILIUM_EMAIL_HOST_USER, "
                "CONSILIUM_EMAIL_HOST_PASSWORD and CONSILIUM_EMAIL_USE_TLS.")
    return None


def refuse_mail_written_out() -> None:
    """Stop the process from starting when email would be written to a log."""
    reason = writes_mail_out()
    if reason:
        raise ImproperlyConfigured(reason)


@checks.register(checks.Tags.security, deploy=True)
def check_email_backend(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    reason = writes_mail_out()
    if reason:
        return [checks.Error(reason, id="email.E001")]
    backend = import_string(settings.EMAIL_BACKEND)
    if not settings.DEBUG and isinstance(backend, type) and issubclass(
            backend, DummyBackend | MemoryBackend):
        return [checks.Warning(
            f"CONSILIUM_EMAIL_BACKEND is {settings.EMAIL_BACKEND}, which sends nothing: "
            "invitations, reset links and one-time codes never arrive.",
            hint=f"Use {SMTP} with CONSILIUM_EMAIL_HOST.", id="email.W001")]
    return []
