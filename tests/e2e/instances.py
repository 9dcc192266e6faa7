"""fediama servers as separate processes for the end-to-end stories: web (gunicorn) and a Celery worker,
each instance with its own SQLite database, filesystem broker, domain and loopback address."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

BASE_DIR = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
RUNNING: list = []  # instances and third-party servers whose logs a failing e2e test's report shows
DROP_ENV = ("REDIS_URL", "DATABASE_URL", "FEDIAMA_DOMAIN", "FEDIAMA_VAR_DIR", "PORT", "SECRET_KEY")


def free_port(address: str) -> int:
    with socket.socket() as sock:
        sock.bind((address, 0))
        return sock.getsockname()[1]


def wait_until(predicate, timeout: float = 20, interval: float = 0.2, what: str = "condition"):
    """Poll until predicate() is truthy and return its value; AssertionError naming `what` on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g}s waiting for {what}")
        time.sleep(interval)


class Instance:
    """One fediama server: `start()` migrates, then runs gunicorn and a worker; logs go to files."""

    def __init__(self, name: str, address: str, root: Path):
        self.name, self.address, self.port = name, address, free_port(address)
        self.domain = f"{address}:{self.port}"
        self.base = f"http://{self.domain}"
        self.dir = root / name
        self.dir.mkdir(parents=True, exist_ok=True)
        env = {k: v for k, v in os.environ.items() if k not in DROP_ENV}
        self.env = {**env, "FEDIAMA_DOMAIN": self.domain, "FEDIAMA_SCHEME": "http", "DEBUG": "1", "PORT": str(self.port),
                    "FEDIAMA_ALLOW_PRIVATE_ADDRESSES": "1", "FEDIAMA_VAR_DIR": str(self.dir),
                    "DATABASE_URL": f"sqlite:///{self.dir / 'db.sqlite3'}", "FEDIAMA_TASKS_EAGER": "0",
                    "FEDIAMA_DELIVERY_TIMEOUT": "5", "FEDIAMA_REQUEUE_AFTER": "5", "LOG_LEVEL": "INFO",
                    "PYTHONUNBUFFERED": "1", "DJANGO_SETTINGS_MODULE": "config.settings", "WEB_THREADS": "8"}
        self.processes: dict[str, subprocess.Popen] = {}

    def log_path(self, process: str) -> Path:
        return self.dir / f"{process}.log"

    def _spawn(self, process: str, command: list[str]) -> None:
        with open(self.log_path(process), "ab") as out:
            self.processes[process] = subprocess.Popen(command, cwd=BASE_DIR, env=self.env, stdout=out,
                                                       stderr=subprocess.STDOUT, start_new_session=True)

    def migrate(self) -> subprocess.Popen:
        with open(self.log_path("manage"), "ab") as out:
            return subprocess.Popen([PYTHON, "manage.py", "migrate", "--noinput", "-v0"], cwd=BASE_DIR,
                                    env=self.env, stdout=out, stderr=subprocess.STDOUT)

    def start(self) -> None:
        # the production web server (docker-compose's command), one process of WEB_THREADS=8
        self._spawn("web", [PYTHON, "-m", "gunicorn", "-c", "config/gunicorn.py", "config.asgi:application",
                            "-b", self.domain, "-w", "1", "--timeout", "60", "--access-logfile", "-"])
        self._spawn("worker", [PYTHON, "-m", "celery", "-A", "config", "worker", "-Q", "inbox,deliver,default",
                               "-P", "threads", "-c", "4", "-n", f"{self.name}@%h", "--without-gossip",
                               "--without-mingle", "--without-heartbeat", "-l", "INFO"])

    def wait_ready(self, timeout: float = 60) -> None:
        def ready():
            for process, popen in self.processes.items():
                if popen.poll() is not None:
                    raise RuntimeError(f"{self.name} {process} exited with {popen.returncode}\n{self.logs()}")
            worker_up = " ready." in self.log_path("worker").read_text(errors="replace")
            try:
                return worker_up and requests.get(self.base + "/healthz", timeout=2).status_code == 200
            except requests.RequestException:
                return False
        wait_until(ready, timeout, what=f"instance {self.name} to start")

    def stop(self) -> None:
        for popen in self.processes.values():
            if popen.poll() is None:
                os.killpg(popen.pid, signal.SIGTERM)
        for popen in self.processes.values():
            try:
                popen.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(popen.pid, signal.SIGKILL)
                popen.wait(5)

    def manage(self, *args: str, timeout: float = 60) -> str:
        """Run a management command against this instance; its stdout (CalledProcessError on failure)."""
        done = subprocess.run([PYTHON, "manage.py", *args], cwd=BASE_DIR, env=self.env, capture_output=True,
                              text=True, timeout=timeout)
        with open(self.log_path("manage"), "a") as out:
            out.write(f"$ manage.py {' '.join(args)}\n{done.stdout}{done.stderr}\n")
        if done.returncode:
            raise AssertionError(f"{self.name}: manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def manage_json(self, *args: str, timeout: float = 60):
        return json.loads(self.manage(*args, timeout=timeout))

    def logs(self, tail: int = 12000) -> str:
        parts = []
        for process in ("manage", "web", "worker"):
            path = self.log_path(process)
            text = path.read_text(errors="replace") if path.exists() else "(no log)"
            parts.append(f"----- {self.name} {process} ({path}) -----\n{text[-tail:]}")
        return "\n".join(parts)
