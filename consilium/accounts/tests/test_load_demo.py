from django.core import mail
from django.core.management import call_command

from consilium.cases.models import Case, Status
from consilium.directory.models import Specialist
from consilium.triage.models import InsurancePlan


def test_demo_data_covers_every_state_and_sends_no_mail(db, settings, capsys):
    settings.DEBUG = True
    call_command("load_demo")
    assert set(Case.objects.values_list("status", flat=True)) == set(Status.values)
    assert Specialist.objects.count() == 20
    assert InsurancePlan.objects.filter(country="DE", statutory=True).exists()
    assert not mail.outbox
    from django_tasks_db.models import DBTaskResult

    assert not DBTaskResult.objects.exists()
    call_command("load_demo")
    assert "already loaded" in capsys.readouterr().out


def test_demo_data_fills_the_work_queue(db, settings):
    """Enough open cases for a queue of more than one page, in every quick filter."""
    from django.utils import timezone

    from consilium.accounts.models import User
    from consilium.program import queue

    settings.DEBUG = True
    call_command("load_demo")
    coordinator = User.objects.get(username="coordinator")
    found = queue.counts(Case.objects.all(),
                         queue.quick_filters(timezone.localdate(), coordinator))
    assert found["open"] > 25
    for key in ("overdue", "due_soon", "awaiting_answer", "waiting_on_patient", "on_hold",
                "declined", "urgent", "mine", "unowned"):
        assert found[f"quick_{key}"] > 0, key


def test_demo_specialists_have_npis_and_credentials_and_users_time_zones(db, settings):
    """The physician report names the signer's NPI and credentials; the pages show times in
    each user's own zone."""
    from consilium.accounts.models import User
    from consilium.directory.importing import valid_npi

    settings.DEBUG = True
    call_command("load_demo")
    npis = list(Specialist.objects.values_list("npi", flat=True))
    assert len(set(npis)) == len(npis) == 20 and all(valid_npi(n) for n in npis)
    credentials = set(Specialist.objects.values_list("credentials", flat=True))
    assert "MD" in credentials and "MD, PhD" in credentials
    zones = dict(User.objects.values_list("username", "time_zone"))
    assert zones["specialist"] == "America/Denver"
    assert zones["coordinator"] == "America/New_York"
    assert zones["admin"] == ""  # the program's own
