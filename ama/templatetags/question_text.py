"""`{% load question_text %}`: `{{ question|question_body:ama|safe }}` is the question as readers see it, without
the mentions of the AMA's own accounts it starts with (ama/mentions.py)."""

from django import template

from ..mentions import question_display_html

register = template.Library()


@register.filter
def question_body(question, ama=None) -> str:
    return question_display_html(question, ama)
