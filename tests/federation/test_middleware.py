# ruff: noqa: F811  (pytest fixtures imported from tests/federation/fixtures_inbox.py are parameters here)
"""The inbox shortcut: inbox POSTs skip the middleware that serves people; everything else takes the whole stack."""

from tests.federation.fixtures_inbox import bob, create_note, post_as  # noqa: F401  (fixtures)


def test_inbox_posts_skip_the_middleware_for_people(client, bob, host):
    accepted = post_as(client, bob, create_note(bob.ap_id))
    assert accepted.status_code == 202 and "Content-Language" not in accepted  # LocaleMiddleware not run
    assert accepted["X-Content-Type-Options"] == "nosniff"  # SecurityMiddleware still is
    assert accepted["Content-Length"] == str(len(accepted.content))  # kept-alive senders need it
    assert client.get("/").has_header("Content-Language")
    refused = client.get("/inbox")
    assert refused.status_code == 405 and refused.has_header("Content-Language")  # GETs take the whole stack
    assert post_as(client, bob, create_note(bob.ap_id), path="/nowhere/inbox").status_code == 404
