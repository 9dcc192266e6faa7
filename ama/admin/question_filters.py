"""Queue filters for the question list: author domain, the rule that held it, votes, reports."""

from django.contrib import admin
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..models import Report


def titled(title):
    """A model field's own filter (as Django picks it), under a translated title (the field's verbose name is
    not translated)."""
    return type("TitledFieldFilter", (TitledFieldFilter,), {"title_text": title})


class TitledFieldFilter(admin.FieldListFilter):
    title_text = ""

    def __new__(cls, field, request, params, model, model_admin, field_path):
        spec = admin.FieldListFilter.create(field, request, params, model, model_admin, field_path)
        spec.title = cls.title_text
        return spec


class AuthorDomainFilter(admin.SimpleListFilter):
    title, parameter_name = _("author domain"), "domain"

    def lookups(self, request, model_admin):
        domains = model_admin.get_queryset(request).values_list("author__domain", flat=True).distinct()
        return [(name, name) for name in sorted(set(domains))[:200]]

    def queryset(self, request, queryset):
        return queryset.filter(author__domain=self.value()) if self.value() else queryset


class HeldByFilter(admin.SimpleListFilter):
    title, parameter_name = _("held by rule"), "held_by"

    def lookups(self, request, model_admin):
        rules = model_admin.get_queryset(request).exclude(held_by="").values_list("held_by", flat=True).distinct()
        return [("__any", _("any rule"))] + [(rule, rule) for rule in sorted(set(rules))[:100]]

    def queryset(self, request, queryset):
        if self.value() == "__any":
            return queryset.exclude(held_by="")
        return queryset.filter(held_by=self.value()) if self.value() else queryset


class VotesFilter(admin.SimpleListFilter):
    title, parameter_name = _("votes"), "votes"
    RANGES = {"0": (None, 0), "1-4": (1, 4), "5-19": (5, 19), "20+": (20, None)}

    def lookups(self, request, model_admin):
        return [(key, key) for key in self.RANGES]

    def queryset(self, request, queryset):
        if self.value() not in self.RANGES:
            return queryset
        low, high = self.RANGES[self.value()]
        if low is not None:
            queryset = queryset.filter(vote_count__gte=low)
        return queryset.filter(vote_count__lte=high) if high is not None else queryset


class ReportedFilter(admin.SimpleListFilter):
    title, parameter_name = _("reports"), "reported"

    def lookups(self, request, model_admin):
        return [("open", _("open reports")), ("any", _("ever reported"))]

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.filter(pk__in=Report.objects.filter(state=Report.State.OPEN).values("question"))
        if self.value() == "any":
            return queryset.filter(pk__in=Report.objects.values("question"))
        return queryset


class AnsweredFilter(admin.SimpleListFilter):
    title, parameter_name = _("answered"), "answered"

    def lookups(self, request, model_admin):
        return [("yes", _("answered")), ("no", _("unanswered"))]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(Q(answered_at__isnull=self.value() == "no"))
        return queryset
