"""End-to-end fixtures: two fediama instances (A on 127.0.0.1, B on 127.0.0.2) as real processes, started
once per session; every failing e2e test report carries the logs of each server."""

import pytest

from tests.e2e.instances import RUNNING, Instance


@pytest.fixture(scope="session")
def e2e_root(tmp_path_factory):
    return tmp_path_factory.mktemp("e2e")


@pytest.fixture(scope="session")
def instances(e2e_root):
    """(A, B), migrated in parallel and started; stopped at the end of the session."""
    a, b = Instance("A", "127.0.0.1", e2e_root), Instance("B", "127.0.0.2", e2e_root)
    RUNNING.extend([a, b])
    try:
        for migration in [a.migrate(), b.migrate()]:
            assert migration.wait(120) == 0, "migrate failed:\n" + a.logs() + b.logs()
        a.start()
        b.start()
        a.wait_ready()
        b.wait_ready()
        yield a, b
    finally:
        a.stop()
        b.stop()


@pytest.fixture(scope="session")
def instance_a(instances):
    return instances[0]


@pytest.fixture(scope="session")
def instance_b(instances):
    return instances[1]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.failed and item.get_closest_marker("e2e"):
        for server in RUNNING:
            report.sections.append((f"logs of {server.name}", server.logs()))
