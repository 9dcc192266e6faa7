"""config/env.py: typed readers that name the variable and the value they refuse; settings read only there."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from config import env
from tests.test_foundation import BASE_DIR, SAFE, run_django


@pytest.mark.parametrize("value,expected", [("7", 7), (" 12 ", 12), ("", 3)])
def test_integer_reads_whole_numbers_and_falls_back_to_the_default(monkeypatch, value, expected):
    monkeypatch.setenv("FEDIAMA_TEST_INT", value)
    assert env.integer("FEDIAMA_TEST_INT", 3) == expected


@pytest.mark.parametrize("value", ["ten", "1.5", "0x10", "4 threads"])
def test_a_malformed_integer_names_the_variable_and_the_value(monkeypatch, value):
    monkeypatch.setenv("FEDIAMA_TEST_INT", value)
    with pytest.raises(ImproperlyConfigured) as refused:
        env.integer("FEDIAMA_TEST_INT", 3)
    assert str(refused.value) == f"FEDIAMA_TEST_INT must be a whole number, not {value!r}."


@pytest.mark.parametrize("value,expected", [("2.5", 2.5), ("10", 10.0), ("", 4.0)])
def test_number_reads_decimals(monkeypatch, value, expected):
    monkeypatch.setenv("FEDIAMA_TEST_NUMBER", value)
    assert env.number("FEDIAMA_TEST_NUMBER", 4) == expected


@pytest.mark.parametrize("value", ["ten", "nan", "inf", "1,5"])
def test_a_malformed_number_names_the_variable_and_the_value(monkeypatch, value):
    monkeypatch.setenv("FEDIAMA_TEST_NUMBER", value)
    with pytest.raises(ImproperlyConfigured, match=f"FEDIAMA_TEST_NUMBER must be a number, not '{value}'"):
        env.number("FEDIAMA_TEST_NUMBER", 4)


def test_a_value_below_the_minimum_is_refused(monkeypatch):
    monkeypatch.setenv("FEDIAMA_TEST_INT", "0")
    with pytest.raises(ImproperlyConfigured, match="FEDIAMA_TEST_INT must be at least 1, not '0'"):
        env.integer("FEDIAMA_TEST_INT", 4, minimum=1)


@pytest.mark.parametrize("variable,value", [
    ("FEDIAMA_DELIVERY_TIMEOUT", "ten"), ("FEDIAMA_FETCH_TIMEOUT", "10s"), ("FEDIAMA_DOMAIN_CONCURRENCY", "four"),
    ("FEDIAMA_DOMAIN_CONCURRENCY", "0"), ("FEDIAMA_INBOX_KEY_FETCHES", "1.5"), ("FEDIAMA_REQUEUE_AFTER", "soon"),
    ("FEDIAMA_DELIVERY_LEASE_GRACE", "-1"), ("FEDIAMA_DELIVERY_RETENTION_DAYS", "a week"),
    ("FEDIAMA_INBOX_RETENTION_DAYS", "30d"), ("WEB_THREADS", "two"), ("FEDIAMA_INBOX_PROCESSES", "0"),
])
def test_the_server_refuses_to_start_on_a_malformed_setting_naming_it(tmp_path, variable, value):
    refused = run_django("", tmp_path, **SAFE, **{variable: value})
    assert refused.returncode != 0
    last_line = refused.stderr.strip().splitlines()[-1]
    assert last_line.startswith("django.core.exceptions.ImproperlyConfigured: " + variable)
    assert repr(value) in last_line and "ValueError" not in refused.stderr


def test_gunicorn_reads_web_concurrency_through_env(tmp_path):
    import subprocess
    import sys

    from tests.test_foundation import BASE_DIR
    code = "import config.gunicorn as g; print(g.workers)"
    run = subprocess.run([sys.executable, "-c", code], cwd=BASE_DIR, env={"WEB_CONCURRENCY": "3", "PATH": ""},
                         capture_output=True, text=True, timeout=60)
    assert run.stdout.strip() == "3", run.stderr
    bad = subprocess.run([sys.executable, "-c", code], cwd=BASE_DIR, env={"WEB_CONCURRENCY": "many", "PATH": ""},
                         capture_output=True, text=True, timeout=60)
    assert "WEB_CONCURRENCY must be a whole number, not 'many'." in bad.stderr


@pytest.mark.parametrize("database,variables,processes", [
    ("sqlite", {"DATABASE_URL": ""}, 1),  # one writer at a time: a second process would only wait for the lock
    ("postgres", {"DATABASE_URL": "postgres://postgres@127.0.0.1:5432/unused"}, 2),  # one per core
    ("sqlite", {"DATABASE_URL": "", "FEDIAMA_INBOX_PROCESSES": "3"}, 3),
])
def test_the_inbox_worker_runs_one_process_on_sqlite_and_one_per_core_on_postgresql(tmp_path, database, variables,
                                                                                       processes):
    """The Procfile's `inbox` line passes no -c: the Celery app's worker_concurrency (this setting) decides."""
    code = "from config.celery import app; print(app.conf.worker_concurrency)"
    run = run_django(code, tmp_path, **SAFE, **variables)
    assert run.stdout.strip() == str(processes), run.stderr
    procfile = dict(line.split(": ", 1) for line in (BASE_DIR / "Procfile").read_text().splitlines() if line.strip())
    assert "-c" not in procfile["inbox"].split() and "-c" in procfile["worker"].split()
