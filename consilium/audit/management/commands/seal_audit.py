import logging
import signal
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections, connection

from consilium.audit.trail import seal

log = logging.getLogger(__name__)


class Command(BaseCommand):
    help = ("Seal the audit rows not yet chained. With --follow, keep sealing every few "
            "seconds until stopped: the sealer process manage.py serve runs beside the web "
            "workers (CONSILIUM_AUDIT_SEALER on), so no page waits for the trail's head. "
            "check_deadlines seals too, hourly.")

    def add_arguments(self, parser):
        parser.add_argument("--follow", action="store_true",
                            help="keep sealing until SIGTERM or Ctrl-C")
        parser.add_argument("--every", type=float, default=1.0,
                            help="seconds between seals with --follow (default %(default)s)")

    def handle(self, *args, follow, every, **options):
        if not follow:
            self.stdout.write(f"{seal(wait=True)} audit rows sealed.")
            return
        if not every > 0:
            raise CommandError("--every must be a number of seconds above 0, such as 1.")
        stopping: list[int] = []
        before = {signum: signal.signal(signum, lambda number, frame: stopping.append(number))
                  for signum in (signal.SIGTERM, signal.SIGINT)}
        self.stdout.write(f"Sealing the audit trail every {every:g} s.")
        self.stdout.flush()
        try:
            while not stopping:
                seal_once()
                # Sleep in short steps: a stop is answered within a tenth of a second.
                deadline = time.monotonic() + every
                while not stopping and time.monotonic() < deadline:
                    time.sleep(min(0.1, every))
            seal_once()  # what the web workers appended until they stopped
        finally:
            for signum, handler in before.items():
                signal.signal(signum, handler)
            connection.close()


def seal_once() -> None:
    """One pass of the sealer. Whatever fails (a lost connection, an anchor file that cannot
    be written) is logged, as a request's seal was, and the next pass tries again: the
    sealer ending would make serve stop the web workers too, and the rows wait meanwhile,
    each under its own HMAC, counted by /health/ and /metrics."""
    close_old_connections()
    try:
        seal(wait=True)
    except Exception:
        log.exception("Sealing the audit trail failed; trying again")
        connection.close()
