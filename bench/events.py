"""Live event fan-out benchmark (prints figures; not a test).

The production server as `make run` starts it (gunicorn -c config/gunicorn.py config.asgi:application) with ONE
web process (WEB_CONCURRENCY=1), DEBUG off, on its own var dir and port: the embedded default (SQLite, the
polling transport), and PostgreSQL with Redis pub/sub when both are reachable on loopback (a database
fediama_eventsbench of its own, Redis database 14, both emptied first). A host made by
`manage.py createhost NAME --token` has an open AMA with approved questions. This process is the crowd: one
asyncio event loop holding 2,000 event streams of that AMA (raw HTTP/1.1 on asyncio protocols, chunked SSE
parsed by hand), and it publishes answers through the API with the host's token.

Figures:
- memory the web process adds for the open streams (its RSS before and after; target <= 100 MiB);
- for each of ~20 answers, the delay from the API POST until the last stream got its answer_published event
  (p50/p99; target p99 <= 1 s), and the POST's own time;
- resume: ~500 streams drop, 3 more answers are published, the 500 reconnect with Last-Event-ID; every event
  id is counted at every stream against the events table: lost and duplicated (target: 0 lost).

    .venv/bin/python bench/events.py                    # 2,000 streams, both tiers when reachable
    .venv/bin/python bench/events.py --streams 500 --db sqlite
    .venv/bin/python bench/events.py --db sqlite --py-spy var/events.svg   # where the web process's time goes
"""

import argparse
import asyncio
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
BASE_DIR = BENCH_DIR.parent
sys.path.insert(0, str(BASE_DIR))
sys.path.insert(0, str(BENCH_DIR))
from inbox import _parent, free_port, percentile, reachable, start_gunicorn  # noqa: E402

PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"
PG_URL = "postgres://postgres@127.0.0.1:5432/fediama_eventsbench"
REDIS_URL = "redis://127.0.0.1:6379/14"
HOST = "benchhost"
QUESTIONS = 40
TARGET_MIB, TARGET_P99 = 100, 1.0


# ---- the server ------------------------------------------------------------------------------------

def server_env(tier: str, port: int) -> dict:
    env = {**os.environ, "DEBUG": "0", "SECRET_KEY": "bench-events-" + "x" * 40, "FEDIAMA_SCHEME": "https",
           "FEDIAMA_DOMAIN": f"127.0.0.1:{port}", "FEDIAMA_VAR_DIR": f"var/bench-events-{tier}",
           "LOG_LEVEL": "WARNING", "DJANGO_SETTINGS_MODULE": "config.settings", "WEB_CONCURRENCY": "1"}
    for name in ("DATABASE_URL", "REDIS_URL", "FEDIAMA_TASKS_EAGER", "FEDIAMA_ALLOW_PRIVATE_ADDRESSES"):
        env.pop(name, None)
    if tier == "postgres":
        env["DATABASE_URL"], env["REDIS_URL"] = PG_URL, REDIS_URL
    return env


def reset(tier: str, env: dict) -> None:
    shutil.rmtree(BASE_DIR / env["FEDIAMA_VAR_DIR"], ignore_errors=True)
    if tier == "postgres":
        import psycopg
        with psycopg.connect(PG_ADMIN, autocommit=True) as connection:
            connection.execute("DROP DATABASE IF EXISTS fediama_eventsbench WITH (FORCE)")
            connection.execute("CREATE DATABASE fediama_eventsbench")
    if tier == "postgres":
        import redis
        redis.Redis.from_url(env["REDIS_URL"]).flushdb()


def manage(env: dict, *args: str) -> str:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, check=True,
                          capture_output=True, text=True).stdout


def seed(env: dict) -> dict:
    """Migrate, the host and its token (createhost), then an open AMA with approved questions (a child)."""
    manage(env, "migrate", "--noinput", "-v0")
    out = manage(env, "createhost", HOST, "--token")
    token = out.split("API token:")[1].split()[0]
    out = subprocess.run([sys.executable, __file__, "--role", "seed"], cwd=BASE_DIR, env=env, check=True,
                         capture_output=True, text=True).stdout
    return {"token": token, **json.loads(out.strip().splitlines()[-1])}


def seed_role() -> None:
    import django
    django.setup()
    from datetime import timedelta

    from django.utils import timezone

    from ama import services
    from ama.models import Ama
    from federation.actors import store_remote_actor
    from federation.models import Actor

    host = Actor.objects.get(user__username=HOST, is_local=True)
    asker = store_remote_actor({"id": "https://asker.bench.example/users/a", "type": "Person",
                                "preferredUsername": "a", "inbox": "https://asker.bench.invalid/inbox"})
    now = timezone.now()
    Ama.objects.filter(host=host).delete()
    ama = services.ama_create(host=host, title="Live bench", opens_at=now - timedelta(hours=1),
                              closes_at=now + timedelta(hours=5), moderation_mode="post", publish=True,
                              hold_first_question=False, rate_limit_per_hour=10**6)
    ids = []
    for n in range(QUESTIONS):
        question = services.question_receive(
            ama=ama, author=asker, ap_id=f"https://asker.bench.example/notes/{n}",
            content_html=f"<p>Question {n}: what would you build next, and why?</p>")
        services.question_approve(question=question)
        ids.append(question.pk)
    print(json.dumps({"slug": ama.slug, "questions": ids}))


def events_role(slug: str, after: int) -> None:
    """The public event ids of the AMA after `after`, from the table (the truth the streams are checked against)."""
    import django
    django.setup()
    from ama.models import LiveEvent
    rows = LiveEvent.objects.filter(ama__slug=slug, seq__gt=after, audience=LiveEvent.Audience.PUBLIC)
    print(json.dumps(list(rows.order_by("seq").values_list("seq", flat=True))))


def table_events(env: dict, slug: str, after: int) -> list[int]:
    out = subprocess.run([sys.executable, __file__, "--role", "events", "--slug", slug, "--after", str(after)],
                         cwd=BASE_DIR, env=env, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def web_process(master: int) -> int:
    children = [int(p) for p in os.listdir("/proc") if p.isdigit() and _parent(int(p)) == master]
    return children[0]


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def raise_open_files(needed: int) -> str:
    """Raise this process's open-file limit (the server started from here inherits it)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(needed, hard), hard))
    return f"open files: {resource.getrlimit(resource.RLIMIT_NOFILE)[0]} (was {soft}, hard {hard})"


# ---- the crowd -------------------------------------------------------------------------------------

class Tally:
    """Every event id at every stream: for each id, how many streams got it and when the last one did."""

    def __init__(self):
        self.count: dict[int, int] = {}
        self.kind: dict[int, str] = {}
        self.first: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self.waiters: list[tuple[int, int, asyncio.Future]] = []

    def got(self, seq: int, kind: str, now: float) -> None:
        self.count[seq] = self.count.get(seq, 0) + 1
        self.kind[seq], self.last[seq] = kind, now
        self.first.setdefault(seq, now)
        for waiter in list(self.waiters):
            if self.count[seq] >= waiter[1] and seq >= waiter[0] and not waiter[2].done():
                waiter[2].set_result(seq)

    async def wait_for(self, after: int, kind: str, streams: int, timeout: float = 30) -> int:
        """The first id after `after` of this kind that `streams` streams got."""
        while True:
            done = [seq for seq, n in self.count.items() if seq > after and n >= streams and self.kind[seq] == kind]
            if done:
                return min(done)
            future = asyncio.get_running_loop().create_future()
            self.waiters.append((after + 1, streams, future))
            try:
                await asyncio.wait_for(future, timeout)
            finally:
                self.waiters.remove((after + 1, streams, future))


class Stream(asyncio.Protocol):
    """One event stream: GET, then the chunked body parsed into SSE frames; records each id it gets."""

    def __init__(self, tally: Tally, request: bytes):
        self.tally, self.request = tally, request
        self.raw = b""  # bytes not yet de-chunked
        self.text = b""  # de-chunked SSE text not yet split into frames
        self.head_done = False
        self.opened: asyncio.Future = asyncio.get_running_loop().create_future()
        self.ids: list[int] = []
        self.resets = 0
        self.transport = None

    def connection_made(self, transport):
        self.transport = transport
        transport.write(self.request)

    def connection_lost(self, exc):
        if not self.opened.done():
            self.opened.set_exception(ConnectionError("closed before the stream opened"))

    def data_received(self, data: bytes) -> None:
        self.raw += data
        if not self.head_done:
            head, sep, rest = self.raw.partition(b"\r\n\r\n")
            if not sep:
                return
            if not head.startswith(b"HTTP/1.1 200"):
                self.opened.set_exception(ConnectionError(head.split(b"\r\n")[0].decode()))
                return
            self.head_done, self.raw = True, rest
        self._dechunk()
        if b"\n\n" in self.text:
            self._frames()

    def _dechunk(self) -> None:
        while True:
            size_line, sep, rest = self.raw.partition(b"\r\n")
            if not sep:
                return
            size = int(size_line, 16)
            if len(rest) < size + 2:
                return
            self.text += rest[:size]
            self.raw = rest[size + 2:]

    def _frames(self) -> None:
        *frames, self.text = self.text.split(b"\n\n")
        now = time.monotonic()
        for frame in frames:
            if frame.startswith(b"retry:"):
                if not self.opened.done():
                    self.opened.set_result(True)
                continue
            if not frame.startswith(b"id: "):
                continue
            seq_line, kind_line = frame.split(b"\n", 2)[:2]
            seq, kind = int(seq_line[4:]), kind_line[7:].decode()
            if kind == "reset":
                self.resets += 1
                continue
            self.ids.append(seq)
            self.tally.got(seq, kind, now)

    def close(self) -> None:
        self.transport.close()


def stream_request(port: int, slug: str, last_id: int | None) -> bytes:
    resume = f"Last-Event-ID: {last_id}\r\n" if last_id is not None else ""
    return (f"GET /amas/{slug}/events HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: text/event-stream\r\n"
            f"{resume}\r\n").encode()


async def open_streams(port: int, slug: str, tally: Tally, count: int, last_ids=None, at_once: int = 100):
    """Open `count` streams, `at_once` connections in flight; returns them once each has its retry frame."""
    loop = asyncio.get_running_loop()
    streams: list[Stream] = []

    async def one(index: int) -> None:
        last_id = last_ids[index] if last_ids else None
        stream = Stream(tally, stream_request(port, slug, last_id))
        await loop.create_connection(lambda: stream, "127.0.0.1", port)
        await asyncio.wait_for(stream.opened, 60)
        streams.append(stream)

    for start in range(0, count, at_once):
        await asyncio.gather(*(one(i) for i in range(start, min(count, start + at_once))))
    return streams


async def post_answer(port: int, token: str, question: int, n: int) -> float:
    """POST an answer through the API on this loop (the streams keep being read); returns its seconds."""
    body = json.dumps({"body": f"Answer {n}: because it is *fun*."}).encode()
    request = (f"POST /api/questions/{question}/answers/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
               f"Authorization: Token {token}\r\nContent-Type: application/json\r\n"
               f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode() + body
    started = time.monotonic()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(request)
    response = await reader.read()
    writer.close()
    if not response.startswith(b"HTTP/1.1 201"):
        raise RuntimeError(f"answer not published: {response[:300]!r}")
    return time.monotonic() - started


async def publish_and_time(port: int, seed_info: dict, tally: Tally, questions: list[int], streams: int):
    """For each question: POST its answer, then the delay until `streams` streams got its answer_published."""
    delays, posts, spreads = [], [], []
    for question in questions:
        after = max(tally.count, default=0)
        started = time.monotonic()
        posts.append(await post_answer(port, seed_info["token"], question, question))
        seq = await tally.wait_for(after, "answer_published", streams)
        delays.append(tally.last[seq] - started)
        spreads.append(tally.last[seq] - tally.first[seq])
    return delays, posts, spreads


async def crowd(port: int, seed_info: dict, args, web_pid: int, env: dict) -> None:
    tally = Tally()
    questions = list(seed_info["questions"])
    warm = await open_streams(port, seed_info["slug"], tally, 10)  # imports, the hub, its threads
    await publish_and_time(port, seed_info, tally, [questions.pop(0)], 10)
    for stream in warm:
        stream.close()
    await asyncio.sleep(1)
    before = rss_mib(web_pid)
    profiler = profile(web_pid, args.py_spy)
    started = time.monotonic()
    streams = await open_streams(port, seed_info["slug"], tally, args.streams)
    opened_in = time.monotonic() - started
    await asyncio.sleep(1)
    opened = rss_mib(web_pid)
    start_seq = max(tally.count, default=0)
    delays, posts, spreads = await publish_and_time(port, seed_info, tally, [questions.pop(0) for _ in range(args.answers)],
                                           args.streams)
    after = rss_mib(web_pid)
    print(f"   {args.streams} streams opened in {opened_in:.1f} s; web process RSS {before:.0f} MiB before, "
          f"{opened:.0f} with them open, {after:.0f} after {args.answers} answers")
    added = max(opened, after) - before
    print(f"   memory added      {added:8.1f} MiB   ({added * 1024 / args.streams:.1f} KiB a stream; "
          f"target <= {TARGET_MIB} MiB, {added / TARGET_MIB:.0%} of it)")
    print(f"   answer -> all {args.streams}: p50 {percentile(delays, 0.5) * 1e3:.0f} ms, "
          f"p99 {percentile(delays, 0.99) * 1e3:.0f} ms, max {max(delays) * 1e3:.0f} ms over {len(delays)} answers "
          f"(target p99 <= {TARGET_P99 * 1e3:.0f} ms); the API POST alone: p50 {percentile(posts, 0.5) * 1e3:.0f} ms, "
          f"p99 {percentile(posts, 0.99) * 1e3:.0f} ms; first to last stream: p50 {percentile(spreads, 0.5) * 1e3:.0f} ms, "
          f"p99 {percentile(spreads, 0.99) * 1e3:.0f} ms")
    await resume(port, seed_info, tally, streams, questions, args, env, start_seq)
    if profiler is not None:
        profiler.send_signal(signal.SIGINT)
        await asyncio.to_thread(profiler.wait)


def profile(pid: int, output: str | None):
    """py-spy (pip install py-spy; not a dependency) recording the web process, when asked for."""
    if not output:
        return None
    return subprocess.Popen([str(Path(sys.executable).parent / "py-spy"), "record", "-p", str(pid), "-o", output,
                             "-f", {".json": "speedscope", ".txt": "raw"}.get(Path(output).suffix, "flamegraph"), "-r", "200"],
                            stdout=subprocess.DEVNULL)


async def resume(port, seed_info, tally, streams, questions, args, env, start_seq) -> None:
    """Drop some streams, publish 3 answers, reconnect the dropped ones with Last-Event-ID; count every id."""
    dropped, kept = streams[:args.drop], streams[args.drop:]
    for stream in dropped:
        stream.close()
    await asyncio.sleep(0.5)
    missed = [questions.pop(0) for _ in range(3)]
    await publish_and_time(port, seed_info, tally, missed, len(kept))
    started = time.monotonic()
    back = await open_streams(port, seed_info["slug"], tally, len(dropped),
                              last_ids=[stream.ids[-1] if stream.ids else start_seq for stream in dropped])
    reconnected_in = time.monotonic() - started
    await asyncio.sleep(2)  # replays arrive with the stream; the wait only lets late frames land
    expected = table_events(env, seed_info["slug"], start_seq)
    lost = duplicated = 0
    for old, new in zip(dropped, back, strict=True):
        ids = old.ids + new.ids
        lost += len(set(expected) - set(ids))
        duplicated += len(ids) - len(set(ids))
    for stream in kept:
        lost += len(set(expected) - set(stream.ids))
        duplicated += len(stream.ids) - len(set(stream.ids))
    resets = sum(stream.resets for stream in back)
    print(f"   resume: {len(dropped)} dropped, 3 answers published, reconnected in {reconnected_in:.1f} s "
          f"with Last-Event-ID; {len(expected)} public events in the table since the streams opened, counted at "
          f"all {len(streams)} streams: lost {lost}, duplicated {duplicated}, resets {resets} (target: lost 0)")
    for stream in kept + back:
        stream.close()


def run_tier(tier: str, args) -> None:
    port = free_port()
    env = server_env(tier, port)
    reset(tier, env)
    seed_info = seed(env)
    transport = "Redis pub/sub" if tier == "postgres" else "polling"
    print(f"\n== {tier} ({transport}), gunicorn -c config/gunicorn.py config.asgi:application -w 1, "
          f"{args.streams} event streams from one asyncio client")
    server = start_gunicorn(env, port, "config.asgi:application", 1, [])
    try:
        asyncio.run(crowd(port, seed_info, args, web_process(server.pid), env))
    finally:
        server.terminate()
        server.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--streams", type=int, default=2000)
    parser.add_argument("--answers", type=int, default=20)
    parser.add_argument("--drop", type=int, default=500)
    parser.add_argument("--py-spy", metavar="FILE", help="record the web process with py-spy into FILE (.svg; .json: speedscope; "
                        ".txt: collapsed stacks) from the opening of the streams to the end")
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--role", choices=["main", "seed", "events"], default="main", help=argparse.SUPPRESS)
    parser.add_argument("--slug", help=argparse.SUPPRESS)
    parser.add_argument("--after", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.role == "seed":
        return seed_role()
    if args.role == "events":
        return events_role(args.slug, args.after)
    print(f"{os.cpu_count()} CPUs shared by the client, gunicorn and the database; "
          f"{raise_open_files(args.streams * 2 + 512)}")
    tiers = ["sqlite"] if args.db != "postgres" else []
    if args.db != "sqlite" and reachable("127.0.0.1", 5432) and reachable("127.0.0.1", 6379):
        tiers.append("postgres")
    for tier in tiers:
        run_tier(tier, args)


if __name__ == "__main__":
    main()
