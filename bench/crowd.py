"""A crowd on one AMA (prints figures; not a test).

The production server (gunicorn -c config/gunicorn.py config.asgi:application, 2 processes, as `make run`
and docker-compose serve it), DEBUG off, on its own var dir and port, the embedded default (SQLite, the
file-based page cache; `--cache redis` puts the cache in Redis), seeded with an AMA of 2,000 answered
questions (bench/page.py's build). wrk drives it over kept-alive connections (`apt-get install wrk`), in one
run, 10 s a figure:

- the ceiling: /static/ama/site.css (whitenoise), and /healthz (Django's whole stack, one query);
- at 32 and at 256 concurrent viewers: the AMA page, a question permalink and the public questions API, as a
  browser or a server asks for them the first time (200 from the render cache after the first one), then
  again with If-None-Match (304).

Each figure: requests/s, p50, p99, and the ratio to the static ceiling at the same concurrency.
Targets on the 2-core machine: each page >= 40 % of the ceiling at 32 viewers with p99 <= 100 ms;
conditional GETs >= 70 %.

    .venv/bin/python bench/crowd.py                   # seeds once into var/bench-crowd, reused after
    .venv/bin/python bench/crowd.py --fresh --duration 20 --cache redis
"""

import argparse
import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
BASE_DIR = BENCH_DIR.parent
sys.path.insert(0, str(BASE_DIR))
sys.path.insert(0, str(BENCH_DIR))
from inbox import free_port, start_gunicorn  # noqa: E402  (one way to start the production server)

VAR_DIR = "var/bench-crowd"
REDIS_URL = "redis://127.0.0.1:6379/13"
TARGETS = {"page": 0.40, "conditional": 0.70}
DONE_LUA = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('{"requests": %d, "seconds": %f, "p50": %d, "p99": %d, "errors": %d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout + e.status))
end
"""


def server_env(port: int, cache: str) -> dict:
    env = {**os.environ, "DEBUG": "0", "SECRET_KEY": "bench-crowd-" + "x" * 40, "FEDIAMA_SCHEME": "https",
           "FEDIAMA_DOMAIN": f"127.0.0.1:{port}", "FEDIAMA_VAR_DIR": VAR_DIR, "LOG_LEVEL": "WARNING",
           "DJANGO_SETTINGS_MODULE": "config.settings"}
    for name in ("DATABASE_URL", "FEDIAMA_TASKS_EAGER", "FEDIAMA_ALLOW_PRIVATE_ADDRESSES", "REDIS_URL"):
        env.pop(name, None)
    if cache == "redis":
        env["REDIS_URL"] = REDIS_URL
    return env


def seed_role(questions: int) -> None:
    """Runs in a child with the server's environment: migrate, then the AMA (once: reused while it is there)."""
    import django
    django.setup()
    from django.core.management import call_command

    from ama.models import Ama, Question
    call_command("migrate", verbosity=0, interactive=False)
    ama = Ama.objects.filter(title=f"Bench {questions}").first()
    if ama is None:
        from page import build
        ama = build(questions, prefix="crowd")
    question = Question.objects.filter(ama=ama, parent__isnull=True).order_by("pk").first()
    print(json.dumps({"slug": ama.slug, "question": question.pk}))


def seed(env: dict, questions: int, fresh: bool) -> dict:
    if fresh:
        shutil.rmtree(BASE_DIR / VAR_DIR, ignore_errors=True)
    out = subprocess.run([sys.executable, __file__, "--role", "seed", "--questions", str(questions)],
                         cwd=BASE_DIR, env=env, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def probe(port: int, path: str, headers: dict) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


def wrk(port: int, path: str, headers: dict, connections: int, seconds: int) -> dict:
    lines = [f"wrk.headers[{json.dumps(name)}] = [==[{value}]==]" for name, value in headers.items()]
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write("\n".join(lines) + DONE_LUA)
    try:
        out = subprocess.run(["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s",
                              script.name, f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True,
                             check=True)
    finally:
        os.unlink(script.name)
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    figures["rate"] = figures["requests"] / figures["seconds"]
    return figures


def row(label: str, figures: dict, ceiling: float | None, target: float | None) -> str:
    ratio = f"{figures['rate'] / ceiling:6.1%}" if ceiling else "     -"
    verdict = ""
    if target is not None and ceiling:
        verdict = f"  (target ≥ {target:.0%}: {'met' if figures['rate'] / ceiling >= target else 'MISSED'})"
    errors = f"  {figures['errors']} errors" if figures["errors"] else ""
    return (f"   {label:<34} {figures['rate']:8.0f}/s   p50 {figures['p50'] / 1e3:7.1f} ms   "
            f"p99 {figures['p99'] / 1e3:7.1f} ms   {ratio}{verdict}{errors}")


def targets(seed_info: dict) -> list[tuple[str, str, dict]]:
    slug = seed_info["slug"]
    html = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8", "Accept-Language": "en"}
    return [("the AMA page", f"/amas/{slug}", html),
            ("a question permalink", f"/amas/{slug}/questions/{seed_info['question']}", html),
            ("the questions API", f"/api/amas/{slug}/questions/", {"Accept": "application/json"})]


def measure(port: int, seed_info: dict, concurrency: int, seconds: int) -> None:
    print(f"\n== {concurrency} concurrent kept-alive viewers")
    static = wrk(port, "/static/ama/site.css", {}, concurrency, seconds)
    print(row("/static/ama/site.css (ceiling)", static, None, None))
    print(row("/healthz", wrk(port, "/healthz", {}, concurrency, seconds), static["rate"], None))
    for label, path, headers in targets(seed_info):
        first = probe(port, path, headers)  # renders once (and fills the cache)
        etag = first.getheader("ETag")
        conditional = {**headers, "If-None-Match": etag or ""}
        status = probe(port, path, conditional).status
        page_target = TARGETS["page"] if concurrency == 32 else None
        print(row(label, wrk(port, path, headers, concurrency, seconds), static["rate"], page_target))
        print(row(f"  … If-None-Match ({status})", wrk(port, path, conditional, concurrency, seconds),
                  static["rate"], TARGETS["conditional"]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--questions", type=int, default=2000)
    parser.add_argument("--duration", type=int, default=10, help="seconds per figure (default 10)")
    parser.add_argument("--cache", choices=["files", "redis"], default="files")
    parser.add_argument("--fresh", action="store_true", help="seed a new database (else reuse var/bench-crowd)")
    parser.add_argument("--role", choices=["main", "seed"], default="main", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.role == "seed":
        return seed_role(args.questions)
    if not shutil.which("wrk"):
        sys.exit("bench/crowd.py needs wrk (Debian: apt-get install wrk)")
    port = free_port()
    env = server_env(port, args.cache)
    seed_info = seed(env, args.questions, args.fresh)
    if args.cache == "redis":
        import redis
        redis.Redis.from_url(REDIS_URL).flushdb()  # our own database: the broker's and the cache's keys
    print(f"{os.cpu_count()} CPUs shared by wrk (one thread), gunicorn (2 processes) and SQLite; "
          f"page cache: {args.cache}; an AMA of {args.questions} answered questions; {args.duration} s a figure")
    server = start_gunicorn(env, port, "config.asgi:application", 2, [])
    try:
        for concurrency in (32, 256):
            measure(port, seed_info, concurrency, args.duration)
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
