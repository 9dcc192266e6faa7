"""The user's notification choices (ama/services/notifications.py): how they are told that questions wait
and that their AMA opened, for every AMA or one of theirs."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..models import NotificationPreference
from ..permissions import amas_moderated_by
from ..services import notifications

EMAIL_OR_NONE = [(c.value, c.label) for c in notifications.LOCAL_CHANNELS]


def digest_minutes_field() -> forms.IntegerField:
    """The period everyone chooses from, local hosts here and remote hosts from their link."""
    return forms.IntegerField(min_value=notifications.DIGEST_MINUTES_MIN, max_value=notifications.DIGEST_MINUTES_MAX,
                              initial=60,
                              label=gettext_lazy("At most one message every (minutes)"))


class PreferenceForm(forms.Form):
    ama = forms.ModelChoiceField(queryset=None, required=False, label=gettext_lazy("AMA"),
                                 empty_label=gettext_lazy("Every AMA"))
    channel = forms.ChoiceField(choices=EMAIL_OR_NONE, label=gettext_lazy("Tell me by"))
    digest_minutes = digest_minutes_field()

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ama"].queryset = amas_moderated_by(user).filter(deleted_at__isnull=True).order_by("-opens_at")


@login_required
def preferences(request):
    """The form and the user's current choices."""
    form = PreferenceForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        notifications.preference_set(user=request.user, **form.cleaned_data)
        messages.success(request, _("Your notification choice is saved."))
        return redirect("dashboard-notifications")
    chosen = NotificationPreference.objects.filter(user=request.user).select_related("ama").order_by("ama__title")
    context = {"form": form, "chosen": chosen, "has_email": bool(request.user.email)}
    return render(request, "ama/dashboard/notifications.html", context, status=400 if form.errors else 200)
