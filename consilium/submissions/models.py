from django.conf import settings
from django.db import models
from django.utils import timezone


class Submission(models.Model):
    """One request that created something, under the one-time key it carried (a form's hidden
    field, or the API's ``Idempotency-Key`` header). A second request with the same key gets
    what the first made, so a double click or a retried POST never makes two rows."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+")
    key = models.CharField(max_length=64)
    kind = models.CharField(max_length=64)  # the created row's model, e.g. "opinions.addendum"
    object_id = models.CharField(max_length=64, blank=True)  # blank until the row is made
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="one_submission_per_key")
        ]
