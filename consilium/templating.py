"""Django's templates, rendered in the viewer's time zone.

A page rendered for a signed-in user shows every aware datetime in their own zone
(``User.zone``: theirs, else TIME_ZONE), as Django's ``{% timezone %}`` would around the whole
page; so do the fragments htmx swaps in, which extend no base template. Only rendering is
in the viewer's zone: the program's own days (deadlines, due dates, "today" in actions) stay
in TIME_ZONE, which activating the zone in a middleware would change for the whole request.
"""

from django.template.backends.django import DjangoTemplates, Template
from django.utils import timezone


class ViewersTimeZoneTemplate(Template):
    def render(self, context=None, request=None):
        zone = getattr(getattr(request, "user", None), "zone", None)
        if zone is None:  # no request, or nobody signed in: the program's zone
            return super().render(context, request)
        with timezone.override(zone):
            return super().render(context, request)


class ViewersTimeZoneTemplates(DjangoTemplates):
    def from_string(self, template_code):
        return ViewersTimeZoneTemplate(self.engine.from_string(template_code), self)

    def get_template(self, template_name):
        template = super().get_template(template_name)
        return ViewersTimeZoneTemplate(template.template, self)
