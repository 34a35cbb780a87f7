from django.conf import settings
from django.db import models
from django.utils import timezone


class SavedFilter(models.Model):
    """A coordinator's own named view of the work queue: the filter and sort parameters of
    ``queue.FILTERS`` (allow-listed; never the search, which may name a patient)."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                              related_name="saved_queue_filters")
    name = models.CharField(max_length=60)
    params = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["owner", "name"],
                                               name="one_saved_filter_name_per_owner")]

    def __str__(self):
        return self.name
