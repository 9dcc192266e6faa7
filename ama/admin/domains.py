"""Domain policy: block or limit a domain (subdomains covered, IDN and punycode alike), with public and
private comments; Mastodon blocklist CSV import (as drafts) and export."""

from django import forms
from django.contrib import admin, messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from federation import domain_policy
from federation.models import DomainBlock

from .. import permissions, services
from .access import RoleAdmin, for_each


class DomainBlockForm(forms.ModelForm):
    class Meta:
        model = DomainBlock
        fields = ("domain", "severity", "public_comment", "private_comment", "is_draft")

    def clean_domain(self):
        try:
            return domain_policy.clean_domain(self.cleaned_data["domain"])
        except domain_policy.DomainPolicyError as error:
            raise forms.ValidationError(str(error)) from error

    def validate_unique(self):
        """Saving an existing domain replaces its entry (the service upserts)."""


class ImportForm(forms.Form):
    csv_file = forms.FileField(required=False, label=_("Blocklist CSV (Mastodon format)"))
    csv_text = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 8}), label=_("…or paste it"))


def _allowed(user, obj) -> bool:
    return permissions.can_set_domain_policy(user)


@admin.action(description=_("Approve drafts (they take effect)"))
def approve_drafts(modeladmin, request, queryset):
    done = services.domain_approve_drafts(domains=queryset.values_list("domain", flat=True), by_user=request.user)
    modeladmin.message_user(request, gettext("%(count)d drafts approved.") % {"count": len(done)}, messages.SUCCESS)


@admin.action(description=_("Remove (unblock) selected domains"))
def unblock(modeladmin, request, queryset):
    for_each(modeladmin, request, queryset, _allowed,
             lambda block: services.domain_unblock(domain=block.domain, by_user=request.user), _("removed"))


@admin.action(description=_("Export selected as Mastodon CSV"))
def export_selected(modeladmin, request, queryset):
    return _csv_response(domain_policy.export_csv(queryset.order_by("domain")))


def _csv_response(text: str) -> HttpResponse:
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="domain_blocks.csv"'
    return response


@admin.register(DomainBlock)
class DomainBlockAdmin(RoleAdmin):
    form = DomainBlockForm
    list_display = ("domain", "severity", "is_draft", "public_comment", "private_comment", "created_at")
    list_filter = ("severity", "is_draft")
    search_fields = ("domain", "public_comment", "private_comment")
    actions = [approve_drafts, unblock, export_selected]
    change_list_template = "admin/ama/domainblock/change_list.html"

    def may_view(self, request, obj=None):
        return permissions.can_set_domain_policy(request.user)

    def has_add_permission(self, request):
        return self.has_change_permission(request)

    def get_search_results(self, request, queryset, search_term):
        name = domain_policy.normalize_domain(search_term)
        queryset, dupes = super().get_search_results(request, queryset, search_term)
        if name and name != search_term.strip().lower():
            queryset |= self.model.objects.filter(domain__icontains=name)
        return queryset, dupes

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change and form.initial.get("domain") and form.initial["domain"] != data["domain"]:
            services.domain_unblock(domain=form.initial["domain"], by_user=request.user)
        setter = services.domain_block if data["severity"] == DomainBlock.Severity.SUSPEND else services.domain_limit
        saved = setter(domain=data["domain"], by_user=request.user, public_comment=data["public_comment"],
                       private_comment=data["private_comment"], is_draft=data["is_draft"])
        obj.pk = saved.pk

    def get_urls(self):
        extra = [path("import/", self.admin_site.admin_view(self.import_view), name="ama_domainblock_import"),
                 path("export/", self.admin_site.admin_view(self.export_view), name="ama_domainblock_export")]
        return extra + super().get_urls()

    def export_view(self, request):
        if not self.has_view_permission(request):
            return HttpResponse(status=403)
        return _csv_response(domain_policy.export_csv())

    def import_view(self, request):
        if not self.has_change_permission(request):
            return HttpResponse(status=403)
        form = ImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["csv_file"]
            text = upload.read().decode("utf-8", "replace") if upload else form.cleaned_data["csv_text"]
            result = services.domain_import(text=text, by_user=request.user)
            self.message_user(request, gettext("%(added)d domains imported as drafts; %(skipped)d skipped (already "
                                               "listed or unreadable).") % {"added": len(result["added"]),
                                                                           "skipped": len(result["skipped"])})
            return redirect("admin:federation_domainblock_changelist")
        context = {**self.admin_site.each_context(request), "title": gettext("Import a blocklist"), "form": form,
                   "opts": self.model._meta}
        return TemplateResponse(request, "admin/ama/domainblock/import.html", context)
