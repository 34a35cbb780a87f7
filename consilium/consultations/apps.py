from django.apps import AppConfig


class ConsultationsConfig(AppConfig):
    name = "consilium.consultations"

    def ready(self):
        # Here, not at the top: Django loads every app's models before calling ready().
        from consilium.cases import signals

        from . import case_steps

        signals.case_withdrawn.connect(case_steps.end_consultations,
                                       dispatch_uid="consultations.end")
        signals.records_completed.connect(case_steps.start_the_clock,
                                          dispatch_uid="consultations.clock")
