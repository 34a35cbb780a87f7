from django.apps import AppConfig


class ComparisonConfig(AppConfig):
    name = "consilium.comparison"

    def ready(self):
        # Here, not at the top: Django loads every app's models before calling ready().
        from consilium.opinions import signals

        from .actions import compare_signed_opinion

        signals.opinion_signed.connect(compare_signed_opinion, dispatch_uid="comparison")
