"""`{% load links %}`: `{{ value|safe_href }}` is the value when it is an http(s) URL, else "" (nothing to link).

Every href/src in a template whose value may have come from another server goes through it: the check where URLs
enter (federation.safe_urls) does not cover rows stored before it."""

from django import template

from federation.safe_urls import http_url

register = template.Library()


@register.filter
def safe_href(value) -> str:
    return http_url(value) or ""
