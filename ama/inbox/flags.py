"""Incoming `Flag` (a report from another server about content or accounts here) becomes a Report.

Mastodon sends `object: [actor id, status ids…]`, signed by its instance actor, with the comment in
`content`. We keep the objects we know: questions (by their id, or through an answer or the AMA note),
and actors."""

from federation.activities import ids_of, text_of
from federation.models import Actor
from federation.routing import Ignore, Incoming

from .. import services
from ..models import Ama, Answer, Question
from ..text import plain_text, sanitize


def flagged_questions(ids: list[str]) -> list[Question]:
    found = list(Question.objects.filter(ap_id__in=ids).select_related("author", "ama"))
    found += [a.question for a in Answer.objects.filter(ap_id__in=ids).select_related("question__author",
                                                                                       "question__ama")]
    unique = {q.pk: q for q in found}
    return list(unique.values())


def flagged_actors(ids: list[str]) -> list[Actor]:
    actors = list(Actor.objects.filter(ap_id__in=ids))
    actors += [ama.host for ama in Ama.objects.filter(ap_id__in=ids).select_related("host")]
    return actors


def on_flag(incoming: Incoming) -> str | None:
    ids = ids_of(incoming.activity.get("object"))
    questions, actors = flagged_questions(ids), flagged_actors(ids)
    if not questions and not actors:
        raise Ignore("the Flag names nothing we know")
    comment = plain_text(sanitize(text_of(incoming.activity, "content", "summary")))
    reports = services.report_receive(reporter=incoming.actor, ap_id=incoming.activity.get("id", ""),
                                      questions=questions, actors=actors, comment=comment)
    return f"{len(reports)} reports"
