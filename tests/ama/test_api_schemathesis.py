"""Schemathesis against /api/schema/: generated requests, anonymous and token-authenticated as the host,
with generated and real path parameters, valid and invalid data. Any 5xx fails the test."""

from datetime import timedelta

import pytest
import schemathesis
from django.contrib.auth import get_user_model
from django.core import signals
from django.db import close_old_connections, transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup, ServerError
from schemathesis.generation import GenerationMode

from tests.ama.test_api import ask, make_remote, shown

EXAMPLES = {GenerationMode.POSITIVE: 12, GenerationMode.NEGATIVE: 6}  # per operation and path-parameter kind


@pytest.fixture
def wsgi_app(db):
    """Our WSGI application in this thread and this test's transaction: like Django's test client, keep
    request signals from closing the connection."""
    from django.core.wsgi import get_wsgi_application

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def seeded(open_ama, host):
    """Through the services: an answered and voted question, a shown, a pending and a hidden one."""
    from ama import services

    question = shown(open_ama, "Which licence for the weights?")
    answer = services.answer_publish(question=question, author=host, body="Apache-2.0, mostly.")
    services.vote_add(question=question, actor=make_remote("voter"))
    others = [shown(open_ama, "What GPU?"), ask(open_ama, "Still pending"),
              services.question_hide(question=shown(open_ama, "Hidden"))]
    report = services.report_create(user=None, question=others[0], comment="spam")
    return {"slug": open_ama.slug, "questions": [question.pk, *(q.pk for q in others)], "answers": [answer.pk],
            "reports": [report.pk]}


def real_path_parameters(operation, seeded) -> dict:
    """Each path parameter drawn from the seeded objects."""
    names = {p.name for p in operation.path_parameters}
    kind = next((k for k in ("answers", "reports") if operation.path.startswith(f"/api/{k}/")), "questions")
    choices = {"slug": [seeded["slug"]], "ama_slug": [seeded["slug"]], "id": seeded[kind],
               "account": ["alice", "@voter@remote.example"], "username": ["alice"]}
    return {name: values for name, values in choices.items() if name in names}


def sane_times(case):
    """Valid data should often be accepted: give generated AMA bodies a schedule that makes sense."""
    if isinstance(case.body, dict):
        now = timezone.now()
        for name, at in (("opens_at", now + timedelta(days=1)), ("closes_at", now + timedelta(days=2))):
            if name in case.body:
                case.body[name] = at.isoformat()
    return case


def strategy_for(operation, mode, choices: dict):
    fixed = st.fixed_dictionaries({name: st.sampled_from(values) for name, values in choices.items()})
    cases = fixed.flatmap(lambda params: operation.as_strategy(generation_mode=mode, path_parameters=params or None))
    return cases.map(sane_times) if mode == GenerationMode.POSITIVE else cases


def exercise(operation, mode, choices, headers, share: float = 1.0) -> None:
    @settings(max_examples=max(1, int(EXAMPLES[mode] * share)), deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(case=strategy_for(operation, mode, choices))
    def run(case):
        with transaction.atomic():
            case.call_and_validate(headers=headers, checks=[not_a_server_error])
            transaction.set_rollback(True)

    try:
        run()
    except Unsatisfiable:
        assert mode == GenerationMode.NEGATIVE, f"no cases for {operation.label}"  # nothing left to break


@pytest.mark.parametrize("signed_in", ["host", "admin", ""], ids=["host-token", "admin-token", "anonymous"])
def test_no_server_errors(wsgi_app, seeded, host, signed_in):
    """Signed in as the host every write endpoint of an AMA is reached, as an admin the moderators' ones (reports,
    audit log, actor and domain policy); anonymous mostly meets 401, so it runs half."""
    schema = schemathesis.openapi.from_wsgi("/api/schema/", wsgi_app)
    user = host.user if signed_in == "host" else get_user_model().objects.create_user("root", is_superuser=True)
    headers = {"Authorization": f"Token {Token.objects.create(user=user).key}"} if signed_in else {}
    for operation in (result.ok() for result in schema.get_all_operations()):
        for mode in EXAMPLES:
            for choices in ({}, real_path_parameters(operation, seeded)):
                exercise(operation, mode, choices, headers, share=1.0 if signed_in else 0.5)


def test_a_server_error_fails_the_run(wsgi_app, seeded, monkeypatch):
    """The harness itself: a view that crashes makes the run fail with schemathesis's ServerError."""
    from ama.api.views import AmaViewSet

    def crash(self, request):
        raise RuntimeError("crash")

    monkeypatch.setattr(AmaViewSet, "list", crash)
    schema = schemathesis.openapi.from_wsgi("/api/schema/", wsgi_app)
    operation = next(r.ok() for r in schema.get_all_operations() if r.ok().label == "GET /api/amas/")
    with pytest.raises((ServerError, FailureGroup)) as failure:
        exercise(operation, GenerationMode.POSITIVE, {}, {})
    assert "500" in str(failure.value) or any("500" in str(e) for e in getattr(failure.value, "exceptions", ()))
