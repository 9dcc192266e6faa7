"""A remote host's notification choices, reached without an account from the personal link in the direct
messages we send them (ama/services/notification_links.py): how they are told about this AMA or every AMA they
host here, and a button that makes every link sent so far stop working."""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from ..models import NotificationPreference
from ..services import notifications
from ..services.notification_links import LINK_MAX_AGE, LinkRefused, claim_for_token, preferences_link_rotate
from .notifications import digest_minutes_field

Channel = NotificationPreference.Channel
THIS_AMA, EVERY_AMA = "this", "every"


class RemotePreferenceForm(forms.Form):
    scope = forms.ChoiceField(label=gettext_lazy("For"), widget=forms.RadioSelect, initial=THIS_AMA, choices=[
        (THIS_AMA, gettext_lazy("This AMA")), (EVERY_AMA, gettext_lazy("Every AMA you host here"))])
    channel = forms.ChoiceField(label=gettext_lazy("Tell me by"), choices=[
        (Channel.DM.value, Channel.DM.label), (Channel.NONE.value, gettext_lazy("nothing (no messages)"))])
    digest_minutes = digest_minutes_field()


def _refused(request, error: LinkRefused):
    return render(request, "ama/remote_notifications_refused.html", {"reason": str(error)}, status=error.status)


@never_cache
def remote_preferences(request, token):
    """GET: the choices and the form; POST: save them (action=rotate: stop every link sent so far)."""
    try:
        claim = claim_for_token(token)
    except LinkRefused as error:
        return _refused(request, error)
    person = notifications.Person(actor=claim.actor)
    if request.method == "POST" and request.POST.get("action") == "rotate":
        preferences_link_rotate(claim)
        return render(request, "ama/remote_notifications_refused.html",
                      {"reason": _("Done: this link and every earlier one no longer work. The next message "
                                   "about your AMA brings a new one."), "rotated": True})
    channel, minutes = notifications.preference_for(person, claim.ama)
    form = RemotePreferenceForm(request.POST or None, initial={"channel": channel, "digest_minutes": minutes})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        notifications.preference_set(actor=claim.actor, ama=claim.ama if data["scope"] == THIS_AMA else None,
                                     channel=data["channel"], digest_minutes=data["digest_minutes"])
        messages.success(request, _("Your notification choice is saved."))
        return redirect(request.path)
    context = {"claim": claim, "ama": claim.ama, "form": form, "channel": channel, "minutes": minutes,
               "link_days": LINK_MAX_AGE.days}
    return render(request, "ama/remote_notifications.html", context, status=400 if form.errors else 200)
