"""Where the current request comes from, for the audit trail (set by AuditContextMiddleware)."""

from contextvars import ContextVar

client_ip: ContextVar[str | None] = ContextVar("client_ip", default=None)
