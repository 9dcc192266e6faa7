"""Real Celery worker processes (and, for the fault drills, a private redis-server) for tests.

Import the fixtures explicitly in the test modules that need them:

    from tests.workers import celery_worker, private_redis, redis_only  # noqa: F401

The worker runs `celery -A config worker` against the test database (tests that use it must be
`transactional_db`: the worker only sees committed rows) and the same broker as the test process.
"""

import os
import re
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent
WORKER_ENV = {
    "FEDIAMA_ALLOW_PRIVATE_ADDRESSES": "1",  # the remote servers are on loopback
    "FEDIAMA_DELIVERY_TIMEOUT": "2",
    "FEDIAMA_REQUEUE_AFTER": "2",
    "FEDIAMA_DELIVERY_LEASE_GRACE": "2",
    "FEDIAMA_TASKS_EAGER": "0",
    "LOG_LEVEL": "INFO",
}
redis_only = pytest.mark.skipif(not os.environ.get("REDIS_URL"),
                                reason="fault drill: needs the Redis tier (REDIS_URL) and redis-server")


def procfile_command(process: str) -> list[str]:
    """The Procfile's `process` line as words, its ${NAME:-default}s taken from this environment (as honcho's
    shell would; bench/inbox.py starts its workers with it too)."""
    line = dict(row.split(": ", 1) for row in (BASE_DIR / "Procfile").read_text().splitlines() if row.strip())
    return [re.sub(r"\$\{(\w+):-([^}]*)\}", lambda m: os.environ.get(m[1], m[2]), word)
            for word in line[process].split()]


def worker_database_url() -> str:
    """The URL of the database the test process uses now (pytest-django's test database)."""
    from django.db import connection

    s = connection.settings_dict
    if s["ENGINE"].endswith("sqlite3"):
        return "sqlite:///" + str(Path(s["NAME"]).resolve())
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    return f"postgres://{s['USER']}{password}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def asgi_server(application):
    """An ASGI application under uvicorn on a loopback port, in a thread of this test process; yields the port."""
    import threading

    import uvicorn

    port = free_port()
    instance = uvicorn.Server(uvicorn.Config(application, host="127.0.0.1", port=port, log_level="warning",
                                             lifespan="off", timeout_graceful_shutdown=1))
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    while not instance.started:
        assert thread.is_alive(), "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield port
    finally:
        instance.should_exit = True
        thread.join(10)


class Worker:
    """One `celery worker` process; its log is kept for the failure message."""

    def __init__(self, name: str, *, broker_url: str | None = None, concurrency: int = 8, pool: str = "threads",
                 **env):
        self.name, self.log = name, BASE_DIR / "var" / f"worker-{name}-{os.getpid()}.log"
        self.env = {**os.environ, **WORKER_ENV, "DATABASE_URL": worker_database_url(), **env}
        if broker_url:
            self.env["REDIS_URL"] = broker_url
        self.command = [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", "inbox,deliver,default",
                        "-P", pool, "-c", str(concurrency), "-n", f"{name}-{os.getpid()}@%h",
                        "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "INFO"]
        self.process = None

    @classmethod
    def from_procfile(cls, process: str, **env) -> "Worker":
        """The Procfile's `process` line as `make run` starts it (its ${NAME:-default}s taken from this
        environment), on the test database and broker, with a node name of its own."""
        words = procfile_command(process)
        assert words[:4] == ["celery", "-A", "config", "worker"], words
        worker = cls(f"procfile-{process}", **env)
        node = words.index("-n") + 1
        words[node] = f"{process}-{os.getpid()}@%h"
        worker.command = [sys.executable, "-m", *words, "--without-gossip", "--without-mingle",
                          "--without-heartbeat"]
        return worker

    def start(self, timeout: float = 30) -> "Worker":
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log, "w") as out:
            self.process = subprocess.Popen(self.command, cwd=BASE_DIR, env=self.env, stdout=out,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if " ready." in self.log.read_text():
                return self
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        raise RuntimeError(f"worker {self.name} did not start:\n{self.log.read_text()[-3000:]}")

    def kill(self) -> None:
        """kill -9: no warm shutdown, no acks, leases left behind."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.kill()


def purge_broker() -> None:
    from config.celery import app

    with app.connection_for_write() as conn:
        for queue in app.amqp.queues.values():
            queue(conn.default_channel).purge()


@pytest.fixture(scope="module")
def celery_worker(django_db_setup, django_db_blocker):
    """A real worker for the tests of one module, on the test database and the test process's broker.
    Module-scoped: a worker left running would race the tests that process rows in-process."""
    with django_db_blocker.unblock():
        purge_broker()  # messages left by an earlier run name rows of an earlier database
        worker = Worker("session").start()
    yield worker
    worker.stop()


class RedisServer:
    """A private redis-server on its own port: drills may stop it without touching the shared one."""

    def __init__(self):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self) -> "RedisServer":
        self.process = subprocess.Popen(["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                                         "--save", "", "--appendonly", "no"], stdout=subprocess.DEVNULL)
        for _ in range(100):
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return self
            time.sleep(0.05)
        raise RuntimeError("private redis-server did not start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)

    def kill(self) -> None:
        """kill -9: the broker vanishes mid-conversation (no persistence: its queues go with it)."""
        self.process.kill()
        self.process.wait(10)


@pytest.fixture
def private_redis():
    server = RedisServer().start()
    yield server
    server.stop()


@contextmanager
def broker_of_this_process(url: str):
    """Point this process's Celery app (what publish and the sweepers enqueue with) at another broker."""
    from config.celery import app

    saved = app.conf.broker_url, app.conf.broker_transport_options
    app.conf.broker_url, app.conf.broker_transport_options = url, {"visibility_timeout": 600}
    app._pool, app.amqp._producer_pool = None, None
    try:
        yield
    finally:
        app.conf.broker_url, app.conf.broker_transport_options = saved
        app._pool, app.amqp._producer_pool = None, None


def wait_for(predicate, timeout: float = 20, interval: float = 0.1):
    """Poll until predicate() is truthy; returns its last value (falsy on timeout)."""
    deadline = time.monotonic() + timeout
    value = predicate()
    while not value and time.monotonic() < deadline:
        time.sleep(interval)
        value = predicate()
    return value
