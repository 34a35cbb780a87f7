from django.apps import AppConfig


class TermsConfig(AppConfig):
    name = "consilium.terms"

    def ready(self):
        from django.core.signals import request_finished, request_started

        from .access import forget

        # Each request reads the terms afresh, once (access.current); see access.py.
        request_started.connect(forget, dispatch_uid="terms.forget.started")
        request_finished.connect(forget, dispatch_uid="terms.forget.finished")
