"""An AMA's Q&A in every state, for the sharing and export tests: what the public may see and what it may not."""

import itertools
from dataclasses import dataclass

from ama import services
from ama.models import Ama, Answer, Question
from federation.actors import store_remote_actor

_seq = itertools.count(1)


def remote(name: str, domain: str = "mastodon.example"):
    ap_id = f"https://{domain}/users/{name}"
    return store_remote_actor({"id": ap_id, "type": "Person", "preferredUsername": name, "name": name.title(),
                               "inbox": f"https://{domain}.invalid/users/{name}/inbox"})


def ask(ama: Ama, text: str, *, author=None, approve: bool = True) -> Question:
    question = services.question_receive(ama=ama, author=author or remote(f"asker{next(_seq)}"),
                                         ap_id=f"https://mastodon.example/notes/{next(_seq)}",
                                         content_html=f"<p>{text}</p>", in_reply_to=ama.ap_id)
    return services.question_approve(question=question) if approve else question


def answer(question: Question, body: str) -> Answer:
    return services.answer_publish(question=question, author=question.ama.host, body=body)


@dataclass
class QA:
    answered: Question  # shown, answered, with votes here and remote ones
    second: Question  # shown, answered later
    waiting: Question  # shown, not answered
    pending: Question
    rejected: Question
    hidden: Question  # answered, then hidden by a moderator


def populate(ama: Ama) -> QA:
    answered = ask(ama, "Which GPUs do you train on?", author=remote("sam"))
    for voter in ("v1", "v2"):
        services.vote_add(question=answered, actor=remote(voter, "other.example"))
    Question.objects.filter(pk=answered.pk).update(remote_like_count=3)
    answer(answered, "Mostly *rented* A100s.")
    second = ask(ama, "Do you publish the data?")
    answer(second, "Yes, all of it.")
    waiting = ask(ama, "What comes next?")
    pending = ask(ama, "PENDING-SECRET question", approve=False)
    rejected = services.question_reject(question=ask(ama, "REJECTED-SECRET question", approve=False))
    hidden = ask(ama, "HIDDEN-SECRET question")
    answer(hidden, "HIDDEN-SECRET answer")
    services.question_hide(question=hidden)
    fresh = {q.pk: q for q in Question.objects.filter(ama=ama)}
    return QA(*(fresh[q.pk] for q in (answered, second, waiting, pending, rejected, hidden)))


SECRETS = ("PENDING-SECRET", "REJECTED-SECRET", "HIDDEN-SECRET")
