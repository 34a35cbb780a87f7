"""Serve Consilium as production does, on one machine: check, then gunicorn, the audit sealer
and the workers.

docs/deploy.md, "Serving". Several machines run it each (web machines with --task-workers 0,
worker machines with --web-workers 0); or gunicorn, seal_audit --follow and db_worker as
services of their own.
"""

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.contrib.staticfiles.storage import ManifestFilesMixin, staticfiles_storage
from django.core import checks
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from consilium.operations import serving

GUNICORN = [sys.executable, "-m", "gunicorn", "--config",
            "python:consilium.operations.gunicorn_conf", "consilium.wsgi:application"]
DB_WORKER = [sys.executable, "-m", "django", "db_worker", "--no-reload"]
# Beside the web workers, one process chains their audit rows (the web workers then leave
# them to it: CONSILIUM_AUDIT_SEALER); sealers on several machines take turns on the head.
SEALER = [sys.executable, "-m", "django", "seal_audit", "--follow"]


def unapplied_migrations() -> list[str]:
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _ in plan]


def static_files_missing() -> bool:
    """Production serves hashed static files from collectstatic's manifest; without it every
    page fails."""
    if not isinstance(staticfiles_storage, ManifestFilesMixin):
        return False
    return not staticfiles_storage.exists(staticfiles_storage.manifest_name)


class Command(BaseCommand):
    help = ("Check the database and static files, then serve with gunicorn, seal the audit "
            "trail beside it and run background workers until stopped (SIGTERM or Ctrl-C).")
    # The deployment checks run in handle(), errors refusing, warnings shown.
    requires_system_checks: list = []

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=serving.bind(),
                            help="address:port (CONSILIUM_BIND; default %(default)s)")
        parser.add_argument("--web-workers", type=int, default=serving.web_workers(),
                            help="gunicorn workers (CONSILIUM_WEB_WORKERS; default 2 × cores "
                                 "+ 1, at most 8); 0 serves no pages")
        parser.add_argument("--task-workers", type=int, default=serving.task_workers(),
                            help="db_worker processes (CONSILIUM_TASK_WORKERS; default 1); 0 "
                                 "runs none here")

    def handle(self, *args, bind, web_workers, task_workers, **options):
        self.check(include_deployment_checks=not settings.DEBUG, fail_level=checks.ERROR)
        if pending := unapplied_migrations():
            raise CommandError(f"{len(pending)} migrations are not applied yet (the first: "
                               f"{pending[0]}). Run manage.py migrate first, as the tables' "
                               "owner (docs/deploy.md).")
        if web_workers and static_files_missing():
            raise CommandError("The static files are not collected. Run manage.py "
                               "collectstatic --noinput first.")
        if task_workers:
            # What a stopped worker left is queued again before the workers start.
            call_command("resume_record_work", verbosity=0)
        stopping = asked_to_stop()  # before any child starts: none is left behind
        children = []
        if web_workers:
            web = {**os.environ, "CONSILIUM_AUDIT_SEALER": "1"}
            children.append(subprocess.Popen(
                [*GUNICORN, "--bind", bind, "--workers", str(web_workers)],
                cwd=settings.BASE_DIR, env=web))
            children.append(subprocess.Popen(SEALER, cwd=settings.BASE_DIR))
        children += [subprocess.Popen(DB_WORKER, cwd=settings.BASE_DIR)
                     for _ in range(task_workers)]
        if not children:
            raise CommandError("Nothing to run: --web-workers and --task-workers are both 0.")
        serving_pages = f"on {bind} with {web_workers} web workers" if web_workers else \
            "no pages"
        sealer = ", the audit sealer" if web_workers else ""
        self.stdout.write(f"Serving {serving_pages}{sealer} and {task_workers} task workers.")
        sys.exit(supervise(children, stopping))


def asked_to_stop() -> list[int]:
    """The signals received (SIGTERM, SIGINT), filled in as they come."""
    received: list[int] = []
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda number, frame: received.append(number))
    return received


def supervise(children: list[subprocess.Popen], stopping: list[int]) -> int:
    """Wait until asked to stop or until one process ends; then stop the rest. The exit
    status: 0 when asked to stop, 1 when a process ended on its own (a service manager then
    restarts the whole)."""
    while not stopping and all(child.poll() is None for child in children):
        time.sleep(0.5)
    # In the order started: gunicorn first, so that the sealer, stopped after it, seals what
    # the last requests appended.
    for child in children:
        if child.poll() is None:
            child.terminate()
        try:
            child.wait(timeout=35)  # gunicorn's graceful_timeout, and a little more
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
    return 0 if stopping else 1
