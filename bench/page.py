"""The AMA page with many questions and answers: p50/p99 render time (test client, uncached) and the number
of SQL queries, at 100 and at 2,000 questions. The query count must not grow; target p50 <= 120 ms.

    .venv/bin/python bench/page.py [--questions 2000] [--runs 60]

Runs against a throwaway SQLite database in a temporary directory (set DATABASE_URL to use another)."""

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("FEDIAMA_DOMAIN", "testserver")
os.environ.setdefault("FEDIAMA_SCHEME", "http")
os.environ.setdefault("FEDIAMA_VAR_DIR", tempfile.mkdtemp(prefix="fediama-bench-"))


def build(count: int, prefix: str):
    """An AMA with `count` approved questions (every third a follow-up), each answered, votes spread."""
    from django.db import transaction
    from django.utils import timezone

    from ama import services
    from federation.actors import create_local_actor, store_remote_actor

    now = timezone.now()
    host = create_local_actor(username=f"{prefix}host", generate_keys_now=False)
    askers = [store_remote_actor({"id": f"https://{prefix}{i}.example/users/a", "type": "Person",
                                  "preferredUsername": "a", "inbox": f"https://{prefix}{i}.invalid/inbox"})
              for i in range(20)]
    ama = services.ama_create(host=host, title=f"Bench {count}", opens_at=now - timedelta(hours=1),
                              closes_at=now + timedelta(hours=5), moderation_mode="post", publish=True,
                              hold_first_question=False, rate_limit_per_hour=10**6)
    previous = None
    with transaction.atomic():
        for n in range(count):
            question = services.question_receive(
                ama=ama, author=askers[n % 20], ap_id=f"https://{prefix}.example/notes/{n}",
                content_html=f"<p>Question {n} about <em>open</em> models and their licences?</p>",
                parent=previous if n % 3 == 2 else None)
            services.question_approve(question=question)
            for voter in askers[: n % 7]:
                services.vote_add(question=question, actor=voter)
            services.answer_publish(question=question, author=host, body=f"Answer **{n}**, with a [link](https://x.example).")
            previous = question
    return ama


def measure(client, url: str, runs: int) -> tuple[float, float, int]:
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # warm the template and URL caches, as a running server has them
    timings = []
    for _ in range(runs):
        reset_queries()
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    timings.sort()
    return statistics.median(timings), timings[min(len(timings) - 1, int(len(timings) * 0.99))], len(queries)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=2000)
    parser.add_argument("--small", type=int, default=100)
    parser.add_argument("--runs", type=int, default=60)
    args = parser.parse_args()

    import django
    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()
    call_command("migrate", verbosity=0)
    client = Client()
    rows = []
    for count in (args.small, args.questions):
        started = time.perf_counter()
        ama = build(count, prefix=f"b{count}")
        built = time.perf_counter() - started
        for path in (f"/amas/{ama.slug}", f"/amas/{ama.slug}?sort=newest&page=2", f"/amas/{ama.slug}?sort=answered"):
            p50, p99, queries = measure(client, path, args.runs)
            rows.append((count, path.split("/", 3)[-1], p50, p99, queries))
        print(f"built {count} questions with answers in {built:.1f}s", file=sys.stderr)
    print(f"{'questions':>9}  {'page':<34} {'p50 ms':>7} {'p99 ms':>7} {'queries':>7}")
    for count, path, p50, p99, queries in rows:
        print(f"{count:>9}  {path:<34} {p50:7.1f} {p99:7.1f} {queries:7d}")
    small = [r[4] for r in rows if r[0] == args.small]
    large = [r[4] for r in rows if r[0] == args.questions]
    worst_p50 = max(r[2] for r in rows if r[0] == args.questions)
    print(f"query count constant: {small == large}   p50 at {args.questions}: {worst_p50:.1f} ms "
          f"(target <= 120 ms: {'met' if worst_p50 <= 120 else 'MISSED'})")
    return 0 if small == large and worst_p50 <= 120 else 1


if __name__ == "__main__":
    sys.exit(main())
