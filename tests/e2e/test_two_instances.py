"""The whole AMA between two fediama servers, each a web and a worker process with its own database."""

import pytest

from tests.e2e.story import FediamaUser, HostApi, run_story

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(240)]


def test_ama_story_between_two_fediama_instances(instance_a, instance_b):
    run_story(HostApi(instance_a, "alice"), FediamaUser(instance_b, "bob"))
