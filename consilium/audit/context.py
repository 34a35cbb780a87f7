"""Where the current request comes from, for the audit trail (set by AuditContextMiddleware)."""

from contextvars import ContextVar

client_ip: ContextVar[str | None] = ContextVar("client_ip", default=None)
# Within a request: a list the appends mark to be sealed once when the response is ready
# (trail.seal_after_request), not after each of the request's commits; None outside one.
seal_wanted: ContextVar[list[bool] | None] = ContextVar("seal_wanted", default=None)
