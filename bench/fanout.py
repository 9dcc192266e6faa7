"""Fan-out benchmark (prints figures; not a test).

One activity to 10,000 followers on 1,000 remote instances (distinct hosts 127.0.1.1 … 127.0.4.250, all
served by ONE asyncio sink process listening on 0.0.0.0), delivered by 2 real `celery worker` processes.
Three runs: a fast sink; 50 ms added latency; 10% refused (a port nobody listens on) and 2% never answering.
Two more (`personal-50ms`, `personal-1s`): 304 followers on 16 instances, each with a personal inbox only (19
POSTs per instance, at most FEDIAMA_DOMAIN_CONCURRENCY = 4 at once), at 50 ms and at 1 s latency: ideally
5 rounds of 4, about 5 x the latency; the sink reports the most POSTs it held at once on one instance.

    REDIS_URL=redis://127.0.0.1:6379/8 DATABASE_URL=postgres://postgres@127.0.0.1:5432/fediama_bench \\
        .venv/bin/python bench/fanout.py

Worker concurrency: 8 Celery threads per process, each running one `deliver_many` message (50 rows) at a
time; the POSTs themselves run on the process's send pool (federation.delivery_batch.SEND_THREADS = 32).
A delivery is ~0.3 ms of CPU for signing plus ~1.5 ms for HTTP and its share of the batch's queries, and
a few ms of waiting (the POST, and 50 ms of latency in run 2): 1,000 POSTs in <= 5 s at 50 ms need >= 10
in flight; 2 x 32 cover the latency and the 2 s deadlines of the dead instances, and 16 database
connections stay well under PostgreSQL's 100.

The database statistics are refreshed after the followers are created (ANALYZE on PostgreSQL), as
autovacuum would have done on a real server: without them the planner walks 10,000 follows in a loop."""

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
ENV = {"DEBUG": "1", "FEDIAMA_DOMAIN": "bench.fediama.test", "FEDIAMA_SCHEME": "http",
       "FEDIAMA_ALLOW_PRIVATE_ADDRESSES": "1", "FEDIAMA_DELIVERY_TIMEOUT": "2", "LOG_LEVEL": "WARNING",
       "FEDIAMA_VAR_DIR": "var/bench", "DJANGO_SETTINGS_MODULE": "config.settings"}
os.environ.update(ENV)
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/8")
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/fediama_bench"
OWN_DATABASE = "DATABASE_URL" not in os.environ  # ours to create when it is missing
os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE)
INSTANCES, FOLLOWERS_EACH, WORKERS, THREADS = 1000, 10, 2, 8


def hosts(instances: int = INSTANCES) -> list[str]:
    return [f"127.0.{1 + n // 250}.{1 + n % 250}" for n in range(instances)]


# ---- the sink: one process, asyncio, answers 202 ------------------------------------------------

async def _serve(reader, writer, latency: float, hang: set, counts: dict, peaks: dict):
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, ConnectionError):  # a readiness probe, or a client that gave up
        writer.close()
        return
    length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                   if line.lower().startswith(b"content-length:")), 0)
    await reader.readexactly(length)
    local = writer.get_extra_info("sockname")[0]
    counts[local] = counts.get(local, 0) + 1
    if head.startswith(b"GET /stats"):
        peak = max((n for address, n in peaks.items() if not address.startswith("now:")), default=0)
        body = f"{sum(counts.values()) - counts.pop(local)} {len(counts)} {peak}".encode()
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
    elif local in hang:
        await asyncio.sleep(3600)
    else:
        peaks["now:" + local] = peaks.get("now:" + local, 0) + 1
        peaks[local] = max(peaks.get(local, 0), peaks["now:" + local])
        await asyncio.sleep(latency)
        peaks["now:" + local] -= 1
        writer.write(b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
    await writer.drain()
    writer.close()


def sink_main(port: int, latency: float, hang: set) -> None:
    counts: dict = {}
    peaks: dict = {}  # address → most POSTs held at once; "now:" + address → held now

    async def main():
        server = await asyncio.start_server(lambda r, w: _serve(r, w, latency, hang, counts, peaks), "0.0.0.0", port,
                                            backlog=4096)
        async with server:
            await server.serve_forever()
    asyncio.run(main())


def start_sink(port: int, latency: float, hang: list[str]) -> subprocess.Popen:
    code = f"import sys; sys.path.insert(0, 'bench'); import fanout; fanout.sink_main({port}, {latency}, {set(hang)!r})"
    process = subprocess.Popen([sys.executable, "-c", code], cwd=BASE_DIR)
    for _ in range(100):
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return process
        time.sleep(0.05)
    raise RuntimeError("sink did not start")


def sink_stats(port: int) -> tuple[int, int, int]:
    """(POSTs received, distinct instances that got one, most POSTs held at once on one instance)."""
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(b"GET /stats HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
        data = sock.recv(4096)
    posts, instances, peak = data.split(b"\r\n\r\n", 1)[1].split()
    return int(posts), int(instances), int(peak)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# ---- the server side: rows, workers, timing ----------------------------------------------------

def prepare(sink_port: int, dead_port: int, refused: set, instances: int = INSTANCES, each: int = FOLLOWERS_EACH,
            shared: bool = True) -> object:
    """A fresh database: the host and `each` followers per instance (10,000: 10 on each of 1,000), behind
    their instance's shared inbox or (shared=False) each with a personal inbox only."""
    from django.core.management import call_command
    from django.db import connection

    from federation.actors import create_local_actor
    from federation.models import Actor, Delivery, DomainHealth, Follow, OutboxActivity

    call_command("migrate", verbosity=0)
    for model in (Delivery, OutboxActivity, Follow, DomainHealth, Actor):
        model.objects.all().delete()
    host = create_local_actor(username="bench", display_name="Bench")
    actors = []
    for address in hosts(instances):
        base = f"http://{address}:{dead_port if address in refused else sink_port}"
        actors += [Actor(ap_id=f"{base}/users/u{n}", username=f"u{n}", domain=base[7:], inbox=f"{base}/users/u{n}/inbox",
                         shared_inbox=base + "/inbox" if shared else "") for n in range(each)]
    Actor.objects.bulk_create(actors, batch_size=2000)
    followers = Actor.objects.filter(is_local=False)
    Follow.objects.bulk_create([Follow(follower=a, followed=host, state="accepted") for a in followers], batch_size=2000)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return host


def start_workers() -> list[subprocess.Popen]:
    env = {**os.environ, **ENV}
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", "deliver,default", "-P", "threads",
               "-c", str(THREADS), "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "WARNING"]
    workers = [subprocess.Popen(command + ["-n", f"bench{n}@%h"], cwd=BASE_DIR, env=env, start_new_session=True)
               for n in range(WORKERS)]
    time.sleep(6)  # Django and Celery start-up
    return workers


def publish_once(host) -> tuple[object, float, float]:
    from django.db import transaction

    from federation import outbox
    from federation.activities import activity, new_id

    note = {"id": new_id("notes"), "type": "Note", "attributedTo": host.ap_id, "content": "<p>An answer</p>",
            "to": ["https://www.w3.org/ns/activitystreams#Public"]}
    started = time.perf_counter()
    with transaction.atomic():
        stored = outbox.publish(activity("Create", actor=host.ap_id, obj=note), sender=host, to_followers=True)
        created = time.perf_counter() - started
    return stored, created, time.perf_counter() - started - created


def wait_delivered(stored, expected: int, timeout: float = 30) -> float:
    from federation.models import Delivery

    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if Delivery.objects.filter(activity=stored, state="delivered").count() >= expected:
            break
        time.sleep(0.02)
    return time.perf_counter()


def signing_rate(host, seconds: float = 2.0) -> float:
    from federation import signatures

    body, done, started = b'{"type":"Create"}' * 40, 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        signatures.sign_cavage(method="POST", url="http://127.0.1.1:1/inbox", body=body, key_id=host.key_id,
                               headers={"Content-Type": "application/activity+json"}, private_key_pem=host.private_key_pem)
        done += 1
    return done / (time.perf_counter() - started)


def run(title: str, latency: float, refused_share: float = 0.0, hang_share: float = 0.0, *,
        instances: int = INSTANCES, personal: int = 0) -> dict:
    """`personal`: that many followers per instance, each with a personal inbox (else 10 behind a shared one)."""
    from federation.models import Delivery

    everything = hosts(instances)
    refused = set(everything[:int(instances * refused_share)])
    hang = everything[len(refused):len(refused) + int(instances * hang_share)]
    sink_port, dead_port = free_port(), free_port()
    sink, workers = start_sink(sink_port, latency, hang), []
    try:
        host = prepare(sink_port, dead_port, refused, instances, personal or FOLLOWERS_EACH, shared=not personal)
        workers = start_workers()
        live = (instances - len(refused) - len(hang)) * (personal or 1)
        started = time.perf_counter()
        stored, created, enqueued = publish_once(host)
        finished = wait_delivered(stored, live, timeout=120)
        time.sleep(2.5 if hang else 0.3)  # let the dead ones reach their deadline
        states = dict(Delivery.objects.filter(activity=stored).values_list("state").annotate(
            n=__import__("django.db.models", fromlist=["Count"]).Count("id")))
        posts, reached, peak = sink_stats(sink_port)
        return dict(title=title, rows=Delivery.objects.filter(activity=stored).count(), created=created,
                    enqueued=enqueued, live=live, seconds=finished - started, posts=posts, reached=reached,
                    peak=peak, states=states, host=host)
    finally:
        for worker in workers:
            os.killpg(worker.pid, signal.SIGTERM)
        for worker in workers:
            worker.wait(20)
        sink.terminate()


def report(figures: dict, rate: float) -> None:
    per_second = figures["live"] / figures["seconds"]
    lost = figures["rows"] - sum(figures["states"].get(s, 0) for s in ("delivered", "retrying", "pending",
                                                                       "in_flight", "failed", "dead"))
    print(f"\n== {figures['title']}")
    print(f"rows created           {figures['rows']:>8} in {figures['created'] * 1000:7.1f} ms "
          f"(+ {figures['enqueued'] * 1000:.0f} ms to enqueue after commit)")
    print(f"live instances done    {figures['live']:>8} in {figures['seconds']:7.2f} s  = {per_second:7.0f} deliveries/s")
    print(f"signing (1 core)       {rate:8.0f} signatures/s; ratio end-to-end / signing = {per_second / rate:.2f} "
          f"(/ 2 cores: {per_second / (2 * rate):.2f})")
    print(f"POSTs at the sink      {figures['posts']:>8} to {figures['reached']} instances "
          f"(at most {figures['peak']} at once on one); states {figures['states']}; lost {lost}")


def ensure_database() -> None:
    """Create the default database on a fresh machine (a DATABASE_URL given by the caller is used as is)."""
    if not OWN_DATABASE:
        return
    import psycopg

    with psycopg.connect(DEFAULT_DATABASE.rsplit("/", 1)[0] + "/postgres", autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = 'fediama_bench'").fetchone():
            connection.execute("CREATE DATABASE fediama_bench")


def main() -> None:
    import django

    ensure_database()
    django.setup()
    runs = {"fast": lambda: run("fast sink", 0.0), "latency": lambda: run("50 ms latency", 0.05),
            "dead": lambda: run("10% refused, 2% never answer", 0.0, refused_share=0.10, hang_share=0.02),
            "personal-50ms": lambda: run("304 personal inboxes on 16 instances, 50 ms", 0.05, instances=16, personal=19),
            "personal-1s": lambda: run("304 personal inboxes on 16 instances, 1 s", 1.0, instances=16, personal=19)}
    results = [runs[name]() for name in (sys.argv[1:] or runs)]  # e.g. `bench/fanout.py personal-1s`
    rate = signing_rate(results[0]["host"])
    for figures in results:
        report(figures, rate)


if __name__ == "__main__":
    main()
