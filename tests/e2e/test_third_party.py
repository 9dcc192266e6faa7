"""The whole AMA with the remote side played by bovine, a third-party ActivityPub library from PyPI: it
signs its requests with its own code and verifies our deliveries with its own code."""

import pytest

from tests.e2e.bovine_peer import BovinePeer
from tests.e2e.instances import RUNNING
from tests.e2e.story import HostApi, run_story

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(240)]


@pytest.fixture
def bovine_peer():
    peer = BovinePeer()
    RUNNING.append(peer)
    yield peer
    RUNNING.remove(peer)
    peer.close()


def test_ama_story_with_a_bovine_server(instance_a, bovine_peer):
    run_story(HostApi(instance_a, "erin"), bovine_peer)
    assert bovine_peer.refused == []
    kinds = {activity["type"] for activity in bovine_peer.verified}
    assert {"Accept", "Create", "Announce"} <= kinds
