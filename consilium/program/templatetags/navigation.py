"""``{% main_menu as menu %}``: the signed-in user's menu links (program/navigation.py)."""

from django import template

from consilium.program.navigation import MenuLink, main_menu

register = template.Library()


@register.simple_tag(takes_context=True, name="main_menu")
def main_menu_tag(context) -> list[MenuLink]:
    request = context.get("request")
    return main_menu(request) if request is not None else []
