from django.apps import AppConfig


class AppointmentsConfig(AppConfig):
    name = "consilium.appointments"
    verbose_name = "Appointments"

    def ready(self):
        # Here, not at the top: Django loads every app's models before calling ready().
        from consilium.consultations import signals

        from . import consultation_steps

        signals.consultation_ended.connect(consultation_steps.cancel_upcoming,
                                           dispatch_uid="appointments.cancel_upcoming")
