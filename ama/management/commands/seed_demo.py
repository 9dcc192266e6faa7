"""manage.py seed_demo: load the demo AMA from seeds/demo_ama.json, through the services only.

Idempotent: when the demo AMA exists nothing is written. Creates the host account and an admin superuser;
their passwords are generated once, kept in FEDIAMA_VAR_DIR, and printed on every run. The remote
accounts are made up: their servers are under .example and their inboxes under the reserved .invalid TLD,
for which no delivery is ever created (federation.outbox.never_resolves)."""

import json
import secrets
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django.utils.html import escape

from ama import services
from ama.models import Ama, Question
from federation.actors import create_local_actor, store_remote_actor
from federation.models import Actor

DEFAULT_FILE = Path(settings.BASE_DIR) / "seeds" / "demo_ama.json"


def stored_password(name: str) -> tuple[str, bool]:
    """The password kept in VAR_DIR/<name> (made and written when missing); True when it is new."""
    path = Path(settings.VAR_DIR) / name
    if path.exists() and path.read_text().strip():
        return path.read_text().strip(), False
    password = secrets.token_urlsafe(12)
    path.write_text(password + "\n")
    path.chmod(0o600)
    return password, True


def ensure_user(username: str, password_file: str, **flags):
    """The user, with the stored password (set again when the file was just made)."""
    password, new = stored_password(password_file)
    user, created = get_user_model().objects.get_or_create(username=username, defaults=flags)
    if created or new or any(getattr(user, flag) != value for flag, value in flags.items()):
        user.set_password(password)
        for flag, value in flags.items():  # an older demo's account gets what the printed text promises
            setattr(user, flag, value)
        user.save()
    return user, password


def actor_document(spec: dict) -> dict:
    base = f"https://{spec['domain']}"
    ap_id = base + spec["path"].format(u=spec["username"])
    inbox_base = f"https://{spec['domain']}.invalid"
    return {"@context": ["https://www.w3.org/ns/activitystreams"], "id": ap_id, "type": "Person",
            "preferredUsername": spec["username"], "name": spec["name"], "url": ap_id,
            "inbox": inbox_base + spec["path"].format(u=spec["username"]) + "/inbox",
            "endpoints": {"sharedInbox": inbox_base + "/inbox"}, "followers": ap_id + "/followers"}


def note_ids(spec: dict, number: int) -> tuple[str, str]:
    base, values = f"https://{spec['domain']}", {"u": spec["username"], "n": 113_200_000_000 + number}
    return base + spec["note_path"].format(**values), base + spec["url_path"].format(**values)


def question_html(text: str, host: Actor) -> str:
    mention = (f'<span class="h-card"><a href="{escape(host.url)}" class="u-url mention">@<span>'
               f'{escape(host.username)}</span></a></span>')
    return f"<p>{mention} {escape(text)}</p>"


class Command(BaseCommand):
    help = "Load the demo AMA (seeds/demo_ama.json) through the services; running it again changes nothing."

    def add_arguments(self, parser):
        parser.add_argument("--file", default=str(DEFAULT_FILE))

    def handle(self, *args, file, **options):
        data = json.loads(Path(file).read_text(encoding="utf-8"))
        with transaction.atomic():
            admin, admin_password = ensure_user("admin", "admin_password", is_staff=True, is_superuser=True)
            # staff: a host moderates their own AMAs in /admin/ too (README, "Roles")
            host_user, host_password = ensure_user(data["host"]["username"], "demo_host_password", is_staff=True)
            if Ama.objects.filter(slug=data["ama"]["slug"]).exists():
                self.stdout.write("The demo AMA is already loaded.")
            else:
                self.load(data, host_user)
                self.stdout.write(self.style.SUCCESS("Demo AMA loaded."))
        url = f"{settings.FEDIAMA_SCHEME}://{settings.FEDIAMA_DOMAIN}"
        self.stdout.write(f"Open {url}/amas/{data['ama']['slug']}\n"
                          f"Admin: {url}/admin/  username admin  password {admin_password}\n"
                          f"  (moderates everything; makes any account a host: Users, select, Make host)\n"
                          f"Host: {url}/accounts/login/  username {host_user.username}  password {host_password}\n"
                          f"  (answers on {url}/dashboard/, moderates the demo AMA there and in /admin/)")

    def load(self, data: dict, host_user) -> Ama:
        host = Actor.objects.filter(user=host_user, is_local=True).first() or create_local_actor(
            username=host_user.username, display_name=data["host"]["display_name"],
            summary=data["host"]["summary"], user=host_user)
        specs = {spec["key"]: spec for spec in data["actors"]}
        actors = {key: store_remote_actor(actor_document(spec)) for key, spec in specs.items()}
        ama = self.create_ama(data["ama"], host)
        questions: dict[str, Question] = {}
        for number, item in enumerate(data["questions"], start=1):
            questions[item["key"]] = self.ask(ama, host, item, number, specs, actors, questions)
        return ama

    def create_ama(self, spec: dict, host: Actor) -> Ama:
        now = timezone.now()
        return services.ama_create(
            host=host, title=spec["title"], intro=spec["intro"], language=spec["language"], slug=spec["slug"],
            opens_at=now - timedelta(hours=spec["opens_hours_ago"]),
            closes_at=now + timedelta(hours=spec["closes_in_hours"]),
            moderation_mode=spec["moderation_mode"], publish=True)

    def ask(self, ama, host, item, number, specs, actors, questions) -> Question:
        """One question through the services: received, moderated, edited, voted on, answered."""
        spec, parent = specs[item["author"]], questions.get(item.get("parent"))
        ap_id, url = note_ids(spec, number)
        question = services.question_receive(
            ama=ama, author=actors[item["author"]], ap_id=ap_id, url=url, language=ama.language,
            content_html=question_html(item["text"], host), parent=parent,
            in_reply_to=parent.ap_id if parent else ama.ap_id)
        if item.get("reject"):
            return services.question_reject(question=question, reason=item["reject"], note="publicité")
        services.question_approve(question=question)
        if item.get("edited"):
            services.question_edit_received(question=question, content_html=question_html(item["edited"], host))
            if question.state != Question.State.PUBLISHED:
                services.question_approve(question=question)
        for voter in item.get("votes", []):
            services.vote_add(question=question, actor=actors[voter])
        if item.get("answer"):
            services.answer_publish(question=question, author=host, body=item["answer"])
        return question
