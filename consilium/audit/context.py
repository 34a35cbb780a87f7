"""What the audit trail knows of the current request (set by AuditContextMiddleware)."""

from contextvars import ContextVar
from dataclasses import dataclass, field

client_ip: ContextVar[str | None] = ContextVar("client_ip", default=None)


@dataclass
class RequestTrail:
    """The request's audit rows, appended once its response is ready (trail.finish_request).

    ``reads``: rows recorded outside any transaction (a page's reads), inserted together in
    one statement before the response leaves: a page makes one write, not one per read.
    ``appended``: rows were inserted (reads, or an action's rows in its transaction), to be
    sealed after the request where requests seal their own (settings.AUDIT_SEALER off).
    """

    reads: list = field(default_factory=list)
    appended: bool = False


request_trail: ContextVar[RequestTrail | None] = ContextVar("request_trail", default=None)
