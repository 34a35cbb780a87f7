"""Who may open the program's own pages (they concern the whole program, not one case): the
work queue is the coordinators', the figures the coordinators' and administrators'. Everyone
else is answered 404, as for a page that does not exist; the navigation shows the links by
the same tests."""

from django.http import Http404

from consilium.accounts.models import Role


def works_the_queue(user) -> bool:
    return user.is_authenticated and user.role == Role.COORDINATOR


def reads_figures(user) -> bool:
    return user.is_authenticated and user.role in (Role.COORDINATOR, Role.ADMIN)


def queue_workers_only(user) -> None:
    if not works_the_queue(user):
        raise Http404


def figure_readers_only(user) -> None:
    if not reads_figures(user):
        raise Http404
