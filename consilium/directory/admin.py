from django.contrib import admin

from .models import Specialist


@admin.register(Specialist)
class SpecialistAdmin(admin.ModelAdmin):
    list_display = ("name", "specialty", "institution", "hospital_system", "accepting_cases")
    list_filter = ("accepting_cases", "telemedicine", "specialty")
    search_fields = ("name", "npi", "institution", "hospital_system")
