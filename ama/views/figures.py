"""The figures pages: the public one (/amas/<slug>/figures, shown questions only, cached by the AMA's version)
and the team's (/dashboard/<slug>/figures, for who can moderate: every question received). Each chart is its
own SVG document (ama/figures.py) referenced by <img>, light or dark by the viewer's prefers-color-scheme;
pygal styles its SVG inline, so those responses alone allow inline styles (they hold no script)."""

from csp.decorators import csp_replace
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from .. import figures
from ..models import Ama
from .caching import public_view
from .dashboard import _moderated_ama

svg_policy = csp_replace({"style-src": ["'unsafe-inline'"], "img-src": ["'none'"]})


def _svg(ama: Ama, scope: str, chart: str, theme: str | None) -> HttpResponse:
    if chart not in figures.CHARTS:
        raise Http404("no such chart")
    drawn = figures.CHARTS[chart](ama, scope, theme if theme in figures.THEMES else "light")
    return HttpResponse(drawn, content_type="image/svg+xml; charset=utf-8")


def _page(request, ama: Ama, scope: str, chart_url: str):
    charts = [{"url": reverse(chart_url, args=[ama.slug, name]), "alt": title}
              for name, title in figures.titles().items()]
    return render(request, "ama/figures.html", {"ama": ama, "scope": scope, "charts": charts})


def _public_ama(slug: str) -> Ama:
    return get_object_or_404(Ama.objects.visible().select_related("host"), slug=slug)


@require_GET
@public_view(query=())
def public_page(request, slug):
    return _page(request, _public_ama(slug), "public", "ama-figures-chart")


@require_GET
@svg_policy
@public_view(query=("theme",))
def public_chart(request, slug, chart):
    return _svg(_public_ama(slug), "public", chart, request.GET.get("theme"))


@require_GET
@login_required
def team_page(request, slug):
    return _page(request, _moderated_ama(request, slug), "team", "dashboard-figures-chart")


@require_GET
@svg_policy
@login_required
def team_chart(request, slug, chart):
    response = _svg(_moderated_ama(request, slug), "team", chart, request.GET.get("theme"))
    response["Cache-Control"] = "private, no-cache"
    return response
