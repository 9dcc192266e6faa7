"""Forms of the pages and the host dashboard. They validate input; services do the writing."""

from django import forms
from django.utils.translation import gettext_lazy as _

from federation import languages

from .models import Ama, Question


class AskForm(forms.Form):
    handle = forms.CharField(label=_("Your fediverse handle"), max_length=300,
                             help_text=_("For example alex@mastodon.social"),
                             widget=forms.TextInput(attrs={"autocomplete": "username", "placeholder": "you@server",
                                                           "spellcheck": "false", "autocapitalize": "none",
                                                           "data-remember-handle": ""}))


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class AmaForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    intro = forms.CharField(label=_("Introduction (Markdown)"), required=False,
                            widget=forms.Textarea(attrs={"rows": 6}))
    language = forms.ChoiceField(label=_("Language"), choices=languages.choices, initial="en",
                                 help_text=_("The language the AMA is held in."))
    opens_at = forms.DateTimeField(label=_("Opens at (UTC)"), widget=DateTimeInput(),
                                   input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
    closes_at = forms.DateTimeField(label=_("Closes at (UTC)"), widget=DateTimeInput(),
                                    input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
    moderation_mode = forms.ChoiceField(label=_("Moderation"), choices=Ama.Moderation.choices,
                                        initial=Ama.Moderation.PRE)

    def clean(self):
        cleaned = super().clean()
        opens_at, closes_at = cleaned.get("opens_at"), cleaned.get("closes_at")
        if opens_at and closes_at and closes_at <= opens_at:
            self.add_error("closes_at", _("The AMA must close after it opens."))
        return cleaned


class AnswerForm(forms.Form):
    body = forms.CharField(label=_("Your answer (Markdown)"), max_length=20000,
                           widget=forms.Textarea(attrs={"rows": 6}))


class RejectForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=Question.RejectReason.choices,
                               initial=Question.RejectReason.OFF_TOPIC)
    tell_asker = forms.BooleanField(label=_("Tell the asker"), required=False)
