"""``{% consultation_allowed c as allowed %}``: what the viewer may do to one consultation of
a list (the case page shows several), from the consultation policy, so no template decides."""

from django import template

from consilium.consultations.policy import policy

register = template.Library()


@register.simple_tag(takes_context=True)
def consultation_allowed(context, consultation) -> frozenset[str]:
    return policy.allowed(context["request"].user, consultation)
