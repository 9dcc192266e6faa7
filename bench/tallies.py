"""Remote tallies: one full refresh cycle of 2,000 approved remote questions spread over 200 loopback origins
(10 each, a separate process serving their notes with `likes`): wall time of the cycle, CPU per fetch in the
refresher's process, the most fetches in flight per origin (as the origins saw them). Targets: cycle <= 15 s,
<= 2 in flight per origin (FEDIAMA_TALLY_ORIGIN_CONCURRENCY), CPU per fetch <= 3 ms. Prints, never asserts.

    .venv/bin/python bench/tallies.py [--origins 200] [--per-origin 10] [--delay 0.005]

Runs against a throwaway SQLite database in a temporary directory (set DATABASE_URL to use another)."""

import argparse
import cProfile
import multiprocessing
import os
import pstats
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("FEDIAMA_DOMAIN", "testserver")
os.environ.setdefault("FEDIAMA_SCHEME", "http")
os.environ.setdefault("FEDIAMA_VAR_DIR", tempfile.mkdtemp(prefix="fediama-bench-"))
os.environ["FEDIAMA_ALLOW_PRIVATE_ADDRESSES"] = "1"


def serve_origins(count: int, per_origin: int, delay: float, pipe) -> None:
    """The child process: `count` origins, each serving `per_origin` notes (Mastodon's shape, and every third
    a listed one); sends their notes' ids, then, when asked, each origin's most requests in flight."""
    from tests.tally_origins import Origin, listed_likes, mastodon_likes

    origins, notes = [Origin(delay=delay) for _ in range(count)], []
    for index, origin in enumerate(origins):
        for n in range(per_origin):
            note_id = f"{origin.base}/statuses/{n}"
            likes = (listed_likes(note_id, [f"{origin.base}/users/u{k}" for k in range(n)], total=n + 5)
                     if n % 3 == 0 else mastodon_likes(note_id, index + n))
            notes.append((origin.domain, origin.note(f"/statuses/{n}", likes=likes)))
    pipe.send(notes)
    pipe.recv()  # the cycle is over
    pipe.send({origin.domain: (origin.most_in_flight, len(origin.gets)) for origin in origins})
    pipe.recv()


def build(notes: list[tuple[str, str]]):
    from django.utils import timezone

    from ama import services
    from ama.models import Question
    from federation.actors import create_local_actor, instance_actor
    from federation.models import Actor

    now = timezone.now()
    host = create_local_actor(username="benchhost", generate_keys_now=False)
    ama = services.ama_create(host=host, title="Tallies", opens_at=now - timedelta(hours=1),
                              closes_at=now + timedelta(hours=5), publish=True)
    authors = {domain: Actor(ap_id=f"http://{domain}/users/asker", username="asker", domain=domain)
               for domain in {domain for domain, _ in notes}}
    Actor.objects.bulk_create(authors.values())
    authors = {actor.domain: actor for actor in Actor.objects.filter(username="asker", is_local=False)}
    Question.objects.bulk_create([Question(ama=ama, author=authors[domain], ap_id=ap_id, content_html="<p>Why?</p>",
                                           content_text="Why?", state=Question.State.PUBLISHED)
                                  for domain, ap_id in notes], batch_size=500)
    instance_actor()  # its key is made here, not in the measured cycle


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--origins", type=int, default=200)
    parser.add_argument("--per-origin", type=int, default=10)
    parser.add_argument("--delay", type=float, default=0.005, help="seconds each origin takes to answer")
    parser.add_argument("--profile", action="store_true", help="print where the cycle's time goes (cProfile)")
    args = parser.parse_args()

    ours, theirs = multiprocessing.Pipe()
    child = multiprocessing.Process(target=serve_origins, args=(args.origins, args.per_origin, args.delay, theirs),
                                    daemon=True)
    child.start()
    notes = ours.recv()

    import django
    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.utils import timezone

    from ama.models import TallyOrigin, TallyState
    from ama.tallies.run import refresh_due
    call_command("migrate", verbosity=0)
    build(notes)

    profile = cProfile.Profile() if args.profile else None
    print(f"remote tallies: {len(notes)} questions on {args.origins} origins, {settings.FEDIAMA_TALLY_THREADS} "
          f"threads, origins answer in {args.delay * 1000:.0f} ms")
    cycle("first cycle (every score changes: live events)", refresh_due, profile, len(notes))
    TallyState.objects.update(next_refresh_at=timezone.now())
    TallyOrigin.objects.all().delete()  # a new minute for every origin's budget
    cycle("steady cycle (nothing changed)", refresh_due, profile, len(notes))
    ours.send("done")
    seen = ours.recv()
    ours.send("bye")
    print(f"  most in flight per origin   {max(most for most, _ in seen.values())} as the origins saw it "
          f"(target <= {settings.FEDIAMA_TALLY_ORIGIN_CONCURRENCY})")
    if profile:
        pstats.Stats(profile).sort_stats("cumulative").print_stats(40)


def cycle(title: str, refresh_due, profile, fetches: int) -> None:
    from ama.models import LiveEvent

    events = LiveEvent.objects.count()
    wall, cpu = time.perf_counter(), time.process_time()
    report = profile.runcall(refresh_due) if profile else refresh_due()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"  {title}: {dict(report.outcomes)}, {LiveEvent.objects.count() - events} live events written")
    print(f"    wall time                 {wall:.2f} s   (target <= 15 s), {fetches / wall:.0f} fetches/s")
    print(f"    CPU per fetch (refresher) {cpu / fetches * 1000:.2f} ms   (target <= 3 ms)")
    print(f"    most in flight per origin {max(report.most_in_flight.values(), default=0)} as the gate counted")


if __name__ == "__main__":
    main()
