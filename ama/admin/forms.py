"""Intermediate form pages for actions that need more than a click (reject reason, merge target, ban scope)."""

from django import forms
from django.contrib.admin import helpers
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import Question
from .access import for_each


class RejectForm(forms.Form):
    reason = forms.ChoiceField(choices=Question.RejectReason.choices, initial=Question.RejectReason.OFF_TOPIC,
                               label=_("Reason"))
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}), label=_("Note"),
                           help_text=_("Free text; shown in the public moderation log instead of the preset reason."))
    tell_asker = forms.BooleanField(required=False, label=_("Tell the asker (sends a Reject to their server)"))


class NoteForm(forms.Form):
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}), label=_("Note"))


class MergeForm(forms.Form):
    into = forms.IntegerField(label=_("Keep question number"), help_text=_("The question the selected ones duplicate."))

    def __init__(self, *args, questions=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = questions

    def clean_into(self):
        kept = self.questions.filter(pk=self.cleaned_data["into"]).first()
        if kept is None:
            raise forms.ValidationError(_("no question with that number that you may moderate"))
        return kept


class ActorScopeForm(forms.Form):
    ama = forms.ModelChoiceField(queryset=None, required=False, empty_label=_("all AMAs"), label=_("AMA"))
    reason = forms.CharField(required=False, label=_("Reason"))

    def __init__(self, *args, amas=None, allow_all=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ama"].queryset = amas
        self.fields["ama"].required = not allow_all


class BanForm(ActorScopeForm):
    until = forms.DateTimeField(required=False, label=_("Until"), help_text=_("Empty: until lifted. Format 2025-12-31 18:00"))
    remove_content = forms.BooleanField(required=False, label=_("Also remove their questions there"))

    def clean_until(self):
        until = self.cleaned_data["until"]
        if until is not None and until <= timezone.now():
            raise forms.ValidationError(_("the expiry must be in the future"))
        return until


class TrustForm(ActorScopeForm):
    trust = forms.ChoiceField(choices=[("", _("default (the rules decide)")), ("hold", _("always hold")),
                                       ("allow", _("always allow"))], required=False, label=_("Trust"))


def form_action(modeladmin, request, queryset, *, form_class, title, apply, allowed, done, form_kwargs=None):
    """Show `form_class` for the selected rows; on a valid POST run `apply(obj, cleaned_data)` for each."""
    form_kwargs = form_kwargs or {}
    if "apply" in request.POST:
        form = form_class(request.POST, **form_kwargs)
        if form.is_valid():
            for_each(modeladmin, request, queryset, allowed, lambda obj: apply(obj, form.cleaned_data), done)
            return None
    else:
        form = form_class(**form_kwargs)
    context = {**modeladmin.admin_site.each_context(request), "title": title, "form": form,
               "queryset": queryset, "opts": modeladmin.model._meta,
               "action": request.POST.get("action", ""), "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
               "select_across": request.POST.get("select_across", "0")}
    return TemplateResponse(request, "admin/ama/action_form.html", context)
