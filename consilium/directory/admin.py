from django.contrib import admin
from django.db import transaction

from consilium.audit.trail import record

from .models import (
    BoardCertification,
    HospitalSystem,
    Institution,
    PracticeLocation,
    Specialist,
    SystemAlias,
)


class CertificationInline(admin.TabularInline):
    model = BoardCertification
    extra = 0


class LocationInline(admin.TabularInline):
    model = PracticeLocation
    extra = 0
    fields = ("source", "address", "city", "state", "postal_code", "latitude", "longitude")


@admin.register(Specialist)
class SpecialistAdmin(admin.ModelAdmin):
    list_display = ("name", "npi", "specialty", "institution", "hospital_system",
                    "accepting_cases")
    list_filter = ("accepting_cases", "telemedicine")
    search_fields = ("npi", "name_key")  # indexed: a million rows stay searchable
    raw_id_fields = ("user", "institutions")
    inlines = [CertificationInline, LocationInline]
    show_full_result_count = False

    def save_model(self, request, obj, form, change):
        """Linking a profile to an account gives that account the profile's consultations:
        an audit row, like a role change."""
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            if "user" in form.changed_data:
                record(request.user, "specialist.account_linked", obj)


@admin.register(Institution)
class InstitutionAdmin(admin.ModelAdmin):
    """Which system a hospital belongs to, and whether it is academic or a specialty centre:
    what matching uses for "a different hospital system" and "academic or specialty centre"."""

    list_display = ("name", "ccn", "system", "hospital_system", "academic", "centre_type",
                    "city", "state")
    list_editable = ("hospital_system", "academic", "centre_type")
    list_filter = ("academic", "centre_type")
    search_fields = ("name", "ccn", "hospital_system")
    autocomplete_fields = ("system",)


class AliasInline(admin.TabularInline):
    model = SystemAlias
    extra = 1
    fields = ("name",)


@admin.register(HospitalSystem)
class HospitalSystemAdmin(admin.ModelAdmin):
    """A hospital system and its other names: an institution linked to it is "the same
    system" under every one of them, however the first opinion spells it (systems.py)."""

    list_display = ("name",)
    search_fields = ("name", "aliases__name")
    inlines = [AliasInline]
