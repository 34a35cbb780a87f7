"""A coordinator's saved views of the work queue: kept and removed here, with an audit row."""

from django.db import transaction

from consilium.audit.trail import record
from consilium.errors import InvalidInput, NotAllowed
from consilium.forms import object_id

from .access import works_the_queue
from .models import SavedFilter

MOST_SAVED = 20


def _own_queue(user) -> None:
    if not works_the_queue(user):
        raise NotAllowed("Only a coordinator keeps views of the work queue.")


def do_save_queue_filter(name: str, params: dict, *, acting_user) -> SavedFilter:
    """Keep the queue's filters (already read through ``queue.read_filters``) under a name of
    the coordinator's; the same name again replaces what it kept."""
    _own_queue(acting_user)
    name = " ".join((name or "").split())
    if not name or len(name) > 60:
        raise InvalidInput({"name": "Give the view a name of up to 60 characters."})
    if not params:
        raise InvalidInput({"name": "Choose a filter or an order first: there is nothing to "
                                    "keep."})
    with transaction.atomic():
        mine = SavedFilter.objects.select_for_update().filter(owner=acting_user)
        if mine.count() >= MOST_SAVED and not mine.filter(name=name).exists():
            raise InvalidInput({"name": f"You can keep up to {MOST_SAVED} views. Remove one "
                                        "first."})
        saved, _ = SavedFilter.objects.update_or_create(
            owner=acting_user, name=name, defaults={"params": dict(params)})
        record(acting_user, "queue_filter.save", saved)
    return saved


def do_delete_queue_filter(filter_id, *, acting_user) -> None:
    """Remove one of the coordinator's own saved views (someone else's is not found)."""
    _own_queue(acting_user)
    with transaction.atomic():
        key = object_id(filter_id)
        saved = SavedFilter.objects.select_for_update().filter(
            owner=acting_user, id=key).first() if key else None
        if saved is None:
            raise InvalidInput({"filter": "That saved view is not one of yours."})
        saved.delete()
        record(acting_user, "queue_filter.delete", SavedFilter(pk=key))
