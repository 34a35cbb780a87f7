from django.apps import AppConfig


class AppointmentsConfig(AppConfig):
    name = "consilium.appointments"
    verbose_name = "Appointments"
