"""Page weight (prints figures; sizes, not timings): an AMA with 50 questions of a realistic length (every fifth a
follow-up, four in five answered, votes spread), its page live and ended: the HTML, then the CSS and the JS that
the page links (our static files, as served, uncompressed; gzip in brackets). The same for the other pages a
visitor or the host opens (question permalink, stage, moderation log, figures, embed, home, dashboard console),
so that a page that links more than the AMA page is seen too.

Budgets (issue 21), for every page listed: HTML of the AMA page <= 150 KB; CSS <= 40 KB; JS <= 30 KB. Exit status
1 when one is missed. tests/ama/test_page_weight.py asserts the same budgets from the same computation.

    .venv/bin/python bench/page_weight.py

Runs against a throwaway SQLite database in a temporary directory (set DATABASE_URL to use another)."""

import gzip
import os
import sys
import tempfile
from dataclasses import dataclass
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

KB = 1024
BUDGETS = {"html": 150 * KB, "css": 40 * KB, "js": 30 * KB}
HTML_BUDGETED = ("AMA page, live", "AMA page, ended")  # the HTML budget is the AMA page's
QUESTIONS = 50
QUESTION_TEXT = ("When you say a model is open, which parts do you mean: the weights, the training code, the data, "
                 "or the recipe that ties them together? And which of those would you give up first if a licence "
                 "forced you to choose? (question {n})")
ANSWER_TEXT = ("Good question. For me *open* means that someone else can **rebuild** the model and change it: the "
               "weights under a licence that allows it, the code, and enough about the data to reproduce it. "
               "The data itself is the hardest part, because of rights and privacy, so I would publish a precise "
               "description and the filtering code before the raw text. See [the licence guide]"
               "(https://licences.example/guide) for the details; I wrote more about it in a thread last year. "
               "(answer {n})")


@dataclass
class Weight:
    page: str
    html: int
    css: int
    js: int
    css_gzip: int
    js_gzip: int
    files: list[str]

    def missed(self) -> list[str]:
        checked = {"css": self.css, "js": self.js} | ({"html": self.html} if self.page in HTML_BUDGETED else {})
        return [kind for kind, size in checked.items() if size > BUDGETS[kind]]


class LinkedFiles(HTMLParser):
    """The stylesheets and scripts a page links, in order."""

    def __init__(self):
        super().__init__()
        self.css, self.js = [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link" and "stylesheet" in (attrs.get("rel") or "").split() and attrs.get("href"):
            self.css.append(attrs["href"])
        elif tag == "script" and attrs.get("src"):
            self.js.append(attrs["src"])


def static_file(url: str) -> Path:
    from django.conf import settings
    from django.contrib.staticfiles import finders

    path = url.split("?", 1)[0].removeprefix(settings.STATIC_URL)
    found = finders.find(path)
    if not found:
        raise LookupError(f"{url} is linked but is not one of our static files")
    return Path(found)


def weigh(name: str, html: bytes) -> Weight:
    links = LinkedFiles()
    links.feed(html.decode())
    css = [static_file(url).read_bytes() for url in dict.fromkeys(links.css)]
    js = [static_file(url).read_bytes() for url in dict.fromkeys(links.js)]
    return Weight(name, len(html), sum(map(len, css)), sum(map(len, js)),
                  len(gzip.compress(b"".join(css))), len(gzip.compress(b"".join(js))),
                  list(dict.fromkeys(links.css + links.js)))


def build():
    """The AMA, its host (a user who can open the dashboard) and one answered question."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from ama import services
    from federation.actors import create_local_actor, store_remote_actor

    now = timezone.now()
    user = get_user_model().objects.create_user(username="weighthost", password="weight-host-password")
    host = create_local_actor(username="weighthost", display_name="Weigh Host", user=user,
                              summary="I answer questions about open models.", generate_keys_now=False)
    askers = [store_remote_actor({"id": f"https://server{i}.example/users/asker{i}", "type": "Person",
                                  "preferredUsername": f"asker{i}", "name": f"Asker {i}",
                                  "inbox": f"https://server{i}.invalid/inbox"}) for i in range(12)]
    ama = services.ama_create(host=host, title="Ask me about open models", intro="I train *open* models.",
                              opens_at=now - timedelta(hours=1), closes_at=now + timedelta(hours=5),
                              moderation_mode="post", publish=True, hold_first_question=False,
                              rate_limit_per_hour=10**6)
    parent = None
    for n in range(QUESTIONS):
        follow_up = n % 5 == 4
        question = services.question_receive(
            ama=ama, author=askers[n % len(askers)], ap_id=f"https://weight.example/notes/{n}",
            content_html=f"<p>{QUESTION_TEXT.format(n=n)}</p>", parent=parent if follow_up else None)
        services.question_approve(question=question)
        for voter in askers[: n % 9]:
            services.vote_add(question=question, actor=voter)
        if n % 5 != 3:
            services.answer_publish(question=question, author=host, body=ANSWER_TEXT.format(n=n))
        if not follow_up:
            parent = question
    return ama, user


def measure() -> list[Weight]:
    """Every page's weight; needs a migrated database (writes the AMA)."""
    from django.test import Client

    from ama import services

    ama, user = build()
    question = ama.questions.filter(parent__isnull=True, answers__isnull=False).first()
    client = Client()
    pages = {"AMA page, live": f"/amas/{ama.slug}", "question permalink": f"/amas/{ama.slug}/questions/{question.pk}",
             "stage": f"/amas/{ama.slug}/stage", "moderation log": f"/amas/{ama.slug}/moderation",
             "figures": f"/amas/{ama.slug}/figures/", "embed": f"/amas/{ama.slug}/embed", "home": "/"}
    weights = [weigh(name, get(client, path)) for name, path in pages.items()]
    signed_in = Client()
    signed_in.force_login(user)
    weights.append(weigh("dashboard console", get(signed_in, f"/dashboard/{ama.slug}/")))
    services.ama_close(ama=ama)
    weights.append(weigh("AMA page, ended", get(client, f"/amas/{ama.slug}")))
    return weights


def get(client, path: str) -> bytes:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response.content


def report(weights: list[Weight]) -> str:
    budget = "   ".join(f"{kind} <= {size // KB} KB" for kind, size in BUDGETS.items())
    lines = [f"budgets: {budget} (HTML: {', '.join(HTML_BUDGETED)}; {QUESTIONS} questions)",
             f"{'page':<20} {'HTML KB':>8} {'CSS KB':>15} {'JS KB':>15}  verdict"]
    for weight in weights:
        missed = weight.missed()
        lines.append(f"{weight.page:<20} {weight.html / KB:8.1f} {weight.css / KB:6.1f} ({weight.css_gzip / KB:5.1f})"
                     f" {weight.js / KB:6.1f} ({weight.js_gzip / KB:5.1f})  "
                     + (f"MISSED ({', '.join(missed)})" if missed else "met"))
    return "\n".join(lines)


def main() -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("FEDIAMA_DOMAIN", "testserver")
    os.environ.setdefault("FEDIAMA_SCHEME", "http")
    os.environ.setdefault("FEDIAMA_VAR_DIR", tempfile.mkdtemp(prefix="fediama-weight-"))
    import django
    django.setup()
    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    setup_test_environment()
    call_command("migrate", verbosity=0)
    weights = measure()
    print(report(weights))
    missed = [weight for weight in weights if weight.missed()]
    print("page weight budgets: " + ("MISSED" if missed else "met"))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
