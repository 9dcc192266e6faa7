"""Forms of the pages and the host dashboard. They validate input; services do the writing."""

from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from django import forms
from django.utils.translation import gettext_lazy as _

from federation import languages
from federation.avatar_images import MAX_BYTES, MAX_SIDE, BadImage
from federation.safe_urls import http_url

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


TIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]


@cache
def known_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def zone_named(name: str) -> ZoneInfo | None:
    """The IANA time zone `name` (Europe/Paris), or None for anything else (paths, typos, empty)."""
    if name not in known_zones():
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


class LocalTimesForm(forms.Form):
    """Times typed in the viewer's zone: `tz` is set by times.js from the browser (UTC without JavaScript); each
    field in TIME_FIELDS is read as a wall-clock time in that zone and cleaned to an aware datetime."""

    TIME_FIELDS: tuple[str, ...] = ()
    tz = forms.CharField(required=False, initial="UTC", widget=forms.HiddenInput(attrs={"data-time-zone": ""}))

    def clean_tz(self):
        name = self.cleaned_data["tz"] or "UTC"
        if zone_named(name) is None:
            raise forms.ValidationError(_("Unknown time zone %(zone)s.") % {"zone": name[:60]})
        return name

    def values(self) -> dict:
        """The cleaned fields without `tz` (the times are already in UTC-aware form)."""
        return {name: value for name, value in self.cleaned_data.items() if name != "tz"}

    def clean(self):
        cleaned = super().clean()
        zone = zone_named(cleaned.get("tz") or "")
        for name in self.TIME_FIELDS:
            if zone is not None and cleaned.get(name):
                cleaned[name] = cleaned[name].replace(tzinfo=None).replace(tzinfo=zone)
        return cleaned


def local_time_field(label):
    return forms.DateTimeField(label=label, widget=DateTimeInput(attrs={"data-local-time": ""}),
                               input_formats=TIME_FORMATS)


class AmaForm(LocalTimesForm):
    TIME_FIELDS = ("opens_at", "closes_at")
    title = forms.CharField(label=_("Title"), max_length=200)
    intro = forms.CharField(label=_("Introduction (Markdown)"), required=False,
                            widget=forms.Textarea(attrs={"rows": 6}))
    language = forms.ChoiceField(label=_("Language"), choices=languages.choices, initial="en",
                                 help_text=_("The language the AMA is held in."))
    opens_at = local_time_field(_("Opens at"))
    closes_at = local_time_field(_("Closes at"))
    moderation_mode = forms.ChoiceField(
        label=_("Moderation"), choices=Ama.Moderation.choices, initial=Ama.Moderation.PRE,
        help_text=_("Held until approved: you approve each question before it is shown. Shown at once: you hide "
                    "what does not belong afterwards."))

    def clean(self):
        cleaned = super().clean()
        opens_at, closes_at = cleaned.get("opens_at"), cleaned.get("closes_at")
        if opens_at and closes_at and closes_at <= opens_at:
            self.add_error("closes_at", _("The AMA must close after it opens."))
        return cleaned


class AmaEditForm(AmaForm):
    """Every field of an AMA, each setting with a one-line explanation (the fields of services.amas.EDITABLE)."""

    review_edits = forms.BooleanField(
        label=_("Review edited questions"), required=False,
        help_text=_("An approved question that its author edits goes back to review."))
    show_late_questions = forms.BooleanField(
        label=_("Show late questions"), required=False,
        help_text=_("Questions that arrive after the end are shown; otherwise only you and the moderators see them."))
    hold_first_question = forms.BooleanField(
        label=_("Hold first questions"), required=False,
        help_text=_("A new account's first question waits for review, even when questions are shown at once."))
    allow_downvotes = forms.BooleanField(
        label=_("Allow downvotes"), required=False,
        help_text=_("Votes against a question count in its score (otherwise only upvotes do)."))
    rate_limit_per_hour = forms.IntegerField(
        label=_("Questions per hour per person"), min_value=1, max_value=1000,
        help_text=_("How many questions one account may ask in an hour."))
    max_question_length = forms.IntegerField(
        label=_("Longest question (characters)"), min_value=1, max_value=100000,
        help_text=_("Longer questions are refused with this limit named."))
    archive_after_days = forms.IntegerField(
        label=_("Archive after (days)"), min_value=0, max_value=3650,
        help_text=_("Days after the end before the AMA is archived (read-only, out of the lists)."))

    def changed_values(self, ama: Ama) -> dict:
        """The cleaned fields whose value differs from the AMA's (what services.ama_update is given)."""
        return {name: value for name, value in self.values().items() if getattr(ama, name) != value}


class ReopenForm(LocalTimesForm):
    TIME_FIELDS = ("closes_at",)
    closes_at = local_time_field(_("New end"))


class CohostForm(forms.Form):
    account = forms.CharField(
        label=_("Account"), max_length=300,
        help_text=_("A username on this server (alex), or a fediverse handle (alex@example.social) that will "
                    "confirm with a code."),
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocapitalize": "none"}))


class ModeratorForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150,
                               help_text=_("An account on this server; it moderates this AMA only."),
                               widget=forms.TextInput(attrs={"spellcheck": "false", "autocapitalize": "none"}))


class AnswerForm(forms.Form):
    body = forms.CharField(label=_("Your answer (Markdown)"), max_length=20000,
                           widget=forms.Textarea(attrs={"rows": 6}))


class RejectForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=Question.RejectReason.choices,
                               initial=Question.RejectReason.OFF_TOPIC)
    tell_asker = forms.BooleanField(label=_("Tell the asker"), required=False)


AVATAR_REFUSALS = {
    BadImage.TOO_LARGE: _("This picture is larger than 1 MiB: choose a smaller file."),
    BadImage.NOT_AN_IMAGE: _("This file is not a PNG, JPEG, WebP or GIF picture (SVG is not accepted)."),
    BadImage.TOO_MANY_PIXELS: _("This picture is larger than %(side)s × %(side)s pixels."),
    BadImage.UNREADABLE: _("This picture could not be read: the file may be damaged."),
}


def avatar_refusal(code: str) -> forms.ValidationError:
    return forms.ValidationError(AVATAR_REFUSALS[code], code=code, params={"side": MAX_SIDE})


def picture_field() -> forms.FileField:
    return forms.FileField(
        label=_("Picture"),
        help_text=_("PNG, JPEG, WebP or GIF, at most 1 MiB. It is shown as a square: the centre is kept."),
        widget=forms.FileInput(attrs={"accept": "image/png,image/jpeg,image/webp,image/gif"}))


def picture_bytes(upload) -> bytes:
    """The uploaded file's bytes, refused unread past MAX_BYTES."""
    if upload.size > MAX_BYTES:
        raise avatar_refusal(BadImage.TOO_LARGE)
    return upload.read()


class AvatarForm(forms.Form):
    """A picture file. What it is gets decided by its content (federation.avatar_images, through the service
    the view calls), never by its name or declared type; `refuse` shows why a picture was refused."""

    picture = picture_field()

    def __init__(self, *args, too_large: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.too_large = too_large  # the upload passed MAX_BYTES while it arrived and was not kept

    def clean_picture(self):
        return picture_bytes(self.cleaned_data["picture"])

    def clean(self):
        if self.too_large:
            self.errors.pop("picture", None)
            self.add_error("picture", avatar_refusal(BadImage.TOO_LARGE))
        return super().clean()

    def refuse(self, error: BadImage) -> None:
        self.add_error("picture", avatar_refusal(error.code))


PROFILE_LINKS = 4


class HostProfileForm(forms.Form):
    """The host's display name, bio (plain text) and up to PROFILE_LINKS links, each a label and an http(s) URL;
    `links()` gives the filled ones as (label, URL) pairs. Blank rows are skipped."""

    display_name = forms.CharField(label=_("Display name"), max_length=100, required=False)
    bio = forms.CharField(label=_("Bio"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 5}),
                          help_text=_("Plain text; line breaks are kept."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for number in range(1, PROFILE_LINKS + 1):
            self.fields[f"link_{number}_label"] = forms.CharField(
                label=_("Link %(number)d: label") % {"number": number}, max_length=40, required=False)
            self.fields[f"link_{number}_url"] = forms.CharField(
                label=_("Link %(number)d: address") % {"number": number}, max_length=500, required=False)

    def clean(self):
        cleaned = super().clean()
        for number in range(1, PROFILE_LINKS + 1):
            label, url = cleaned.get(f"link_{number}_label", ""), cleaned.get(f"link_{number}_url", "")
            if url and http_url(url) != url:
                self.add_error(f"link_{number}_url", _("Give an address starting with http:// or https://."))
            elif label and not url:
                self.add_error(f"link_{number}_url", _("Give this link's address, or clear its label."))
            elif url and not label:
                self.add_error(f"link_{number}_label", _("Give this link a label."))
        return cleaned

    def links(self) -> list[tuple[str, str]]:
        pairs = ((self.cleaned_data[f"link_{n}_label"], self.cleaned_data[f"link_{n}_url"])
                 for n in range(1, PROFILE_LINKS + 1))
        return [(label, url) for label, url in pairs if label and url]
