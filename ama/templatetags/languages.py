"""Language names on pages: a question's language label and the page's language filter."""

from django import template

from federation import languages

register = template.Library()


@register.filter
def language_name(code: str) -> str:
    """"fr" → "French" (in the viewer's language); "" for no language."""
    return languages.name_of(code) if code else ""
