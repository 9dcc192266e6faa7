"""The site as a visitor and the host meet it, for the page-wide browser checks (accessibility, keyboard, other
origins): the demo AMA (live, with answers, follow-ups, a rejected question, the host's bio) plus a question
waiting for review, an ended AMA with answered and unanswered questions, and every asker with a remote avatar
and profile URL (a page that hotlinked one would make the browser contact another server).

`public_paths` and `dashboard_paths` list the pages each check visits; `sign_in` signs the host in through the
login form."""

import os
import re
import threading
import time
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.utils import timezone

PASSWORD_FILE = "demo_host_password"
REMOTE_AVATAR = "https://avatars.remote.example/{username}.png"


@pytest.fixture
def tour(live_site, transactional_db, settings, tmp_path):
    """The tour's data on the live server; its live streams end (a heartbeat every 0.2 s notices a closed
    connection) before the database goes away."""
    settings.VAR_DIR = tmp_path
    settings.FEDIAMA_LIVE_HEARTBEAT = 0.2
    yield build_tour(tmp_path)
    deadline = time.monotonic() + 30
    while any("process_request_thread" in t.name for t in threading.enumerate()) and time.monotonic() < deadline:
        time.sleep(0.1)


@dataclass
class Tour:
    live_slug: str
    ended_slug: str
    question_pk: int
    answer_path: str
    host_username: str
    host_password: str


def build_tour(var_dir) -> Tour:
    from ama import services
    from ama.models import Ama, Question
    from federation.actors import store_remote_actor
    from federation.models import Actor

    call_command("seed_demo", stdout=open(os.devnull, "w"))
    live = Ama.objects.get(slug="ama-modeles-ouverts")
    for actor in Actor.objects.filter(is_local=False):
        actor.icon_url = REMOTE_AVATAR.format(username=actor.username)
        actor.url = actor.url or actor.ap_id
        actor.save(update_fields=["icon_url", "url"])
    asker = Actor.objects.filter(is_local=False).order_by("pk").first()
    services.question_receive(ama=live, author=asker, ap_id="https://tour.remote.example/notes/waiting",
                              content_html="<p>A question still waiting for review?</p>",
                              in_reply_to=live.ap_id)

    now = timezone.now()
    ended = services.ama_create(host=live.host, title="Ask me about keyboards", intro="I build *keyboards*.",
                                language="en", opens_at=now - timedelta(hours=3), closes_at=now + timedelta(hours=1),
                                moderation_mode="post", publish=True, hold_first_question=False)
    late = store_remote_actor({"id": "https://late.remote.example/users/dana", "type": "Person",
                               "preferredUsername": "dana", "name": "Dana",
                               "url": "https://late.remote.example/@dana",
                               "icon": {"type": "Image", "url": "https://late.remote.example/dana.png"},
                               "inbox": "https://late.remote.example.invalid/inbox"})
    late.icon_url = "https://late.remote.example/dana.png"
    late.save(update_fields=["icon_url"])
    previous = None
    for n, text in enumerate(("Which switches do you like?", "Why split keyboards?", "And tenting?",
                              "Do you sell kits?")):
        question = services.question_receive(ama=ended, author=late if n % 2 else asker,
                                             ap_id=f"https://tour.remote.example/notes/ended-{n}",
                                             content_html=f"<p>{text}</p>", parent=previous if n == 2 else None,
                                             in_reply_to=previous.ap_id if n == 2 else ended.ap_id)
        services.question_approve(question=question)
        if n < 3:
            services.answer_publish(question=question, author=live.host, body=f"Answer {n}: **tactile** ones.")
        previous = question
    services.ama_close(ama=ended)
    question = Question.objects.filter(ama=live, parent__isnull=True, answers__isnull=False).first()
    password = (var_dir / PASSWORD_FILE).read_text().strip()
    return Tour(live.slug, ended.slug, question.pk, urlsplit(question.answers.first().ap_id).path,
                live.host.username, password)


def public_paths(tour: Tour) -> dict[str, str]:
    live, ended = f"/amas/{tour.live_slug}", f"/amas/{tour.ended_slug}"
    return {
        "home": "/",
        "AMA page, live": live,
        "AMA page, live, unanswered (flat)": f"{live}?sort=unanswered",
        "AMA page, ended": ended,
        "question permalink": f"{live}/questions/{tour.question_pk}",
        "answer permalink": tour.answer_path,
        "moderation log": f"{live}/moderation",
        "figures": f"{live}/figures/",
        "embed": f"{live}/embed",
        "stage": f"{live}/stage",
        "stage, dark theme": f"{live}/stage?theme=dark",
        "login": "/accounts/login/",
        "authorize_interaction without a uri": "/authorize_interaction",
        "API docs": "/api/docs/",  # Swagger UI's own words, in English
    }


ENGLISH_ONLY = {"API docs"}
STATUS = {"authorize_interaction without a uri": 400, "authorize_interaction of a remote post": 502}  # else 200


def dashboard_paths(tour: Tour) -> dict[str, str]:
    dashboard = f"/dashboard/{tour.live_slug}/"
    return {
        "AMA page, signed in": f"/amas/{tour.live_slug}",
        "report a question": f"/questions/{tour.question_pk}/report",
        "dashboard": "/dashboard/",
        "AMA console": dashboard,
        "AMA edit": f"{dashboard}edit/",
        "AMA team": f"{dashboard}team/",
        "AMA figures (team)": f"{dashboard}figures/",
        "notifications": "/dashboard/notifications/",
        "host's picture": "/dashboard/profile/avatar/",
        "host's profile": "/dashboard/profile/about/",
        "authorize_interaction of a remote post": "/authorize_interaction?uri=https://post.remote.invalid/1",
    }


def sign_in(page, url: str, tour: Tour) -> None:
    page.goto(f"{url}/accounts/login/")
    page.locator("#id_username").fill(tour.host_username)
    page.locator("#id_password").fill(tour.host_password)
    page.locator("form button[type=submit], form input[type=submit]").last.click()
    page.wait_for_url(re.compile(r"/dashboard/$"))
