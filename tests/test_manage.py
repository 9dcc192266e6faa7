"""manage.py beside a server: it mints the ids of the server `make run` recorded, and when it cannot know which
server it serves it says so in one line (no traceback)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SERVER_VARIABLES = ("DEBUG", "FEDIAMA_DOMAIN", "FEDIAMA_SCHEME", "PORT", "SECRET_KEY", "DATABASE_URL", "REDIS_URL",
                    "FEDIAMA_ALLOW_PRIVATE_ADDRESSES", "DJANGO_SETTINGS_MODULE")


def environment(var_dir: Path, **extra) -> dict:
    """A shell with no server variables (as a user who follows the README has), on its own var dir."""
    env = {name: value for name, value in os.environ.items() if name not in SERVER_VARIABLES}
    return {**env, "FEDIAMA_VAR_DIR": str(var_dir), **extra}


def run(args: list[str], env: dict, module: bool = False) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", *args] if module else [sys.executable, "manage.py", *args]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_without_a_server_it_refuses_in_one_line(tmp_path):
    result = run(["createhost", "tester"], environment(tmp_path))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert "SECRET_KEY is not set" in result.stderr and "make run" in result.stderr


def test_with_debug_but_no_domain_it_refuses_to_guess_one(tmp_path):
    result = run(["createhost", "tester"], environment(tmp_path, DEBUG="1"))
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "which server is this account for?" in result.stderr


@pytest.mark.timeout(300)
def test_createhost_uses_the_domain_make_run_recorded(tmp_path):
    served = run(["config.server_record"], environment(tmp_path, DEBUG="1", PORT="9123"), module=True)
    assert served.returncode == 0 and "http://127.0.0.1:9123/" in served.stdout
    shell = environment(tmp_path)  # another terminal: no DEBUG, no PORT
    assert run(["migrate", "--noinput", "-v0"], shell).returncode == 0
    result = run(["createhost", "tester"], shell)
    assert result.returncode == 0, result.stderr
    assert "@tester@127.0.0.1:9123" in result.stdout and "actor: http://127.0.0.1:9123/users/tester" in result.stdout


def test_the_environment_wins_over_the_record(tmp_path):
    run(["config.server_record"], environment(tmp_path, DEBUG="1", PORT="9123"), module=True)
    result = run(["createhost", "tester"], environment(tmp_path, FEDIAMA_DOMAIN="ama.example"))
    assert result.returncode == 2 and "SECRET_KEY is not set" in result.stderr  # production: the record is not used
