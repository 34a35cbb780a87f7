from django.db import models


class InsurancePlan(models.Model):
    """An insurance plan as the program's administrator describes its second-opinion rules."""

    name = models.CharField(max_length=200)
    country = models.CharField(max_length=2, default="US", help_text="ISO 3166 country code.")
    statutory = models.BooleanField(
        default=False, help_text="Statutory health insurance (e.g. German GKV)."
    )
    covers_second_opinion = models.BooleanField(default=True)
    fee = models.DecimalField(
        max_digits=8, decimal_places=2, default=0,
        help_text="What the member pays for a second opinion (0 for none).",
    )
    currency = models.CharField(max_length=3, default="USD")
    requires_before = models.JSONField(
        default=list, blank=True,
        help_text="Procedures before which the plan requires a second opinion, by key "
                  "(see consilium/triage/procedures.py), e.g. [\"knee_replacement\"].",
    )
    notes = models.TextField(blank=True, help_text="Shown to members as written.")
    network = models.CharField(
        max_length=60, blank=True,
        help_text="The plan's provider network, as specialists list it in their profile.")
    requires_network = models.BooleanField(
        default=False, help_text="Second opinions must come from inside the network.")

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name
