"""The REST API: every endpoint's happy and unhappy paths, the roles, both authentications, vote arithmetic."""

import itertools
import json
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from ama import services
from ama.models import Ama, ModeratorAssignment, Question
from federation.models import Actor

_seq = itertools.count()


def client_for(user=None) -> APIClient:
    """Token-authenticated for a user; anonymous without one."""
    client = APIClient()
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def make_remote(name="bob", domain="remote.example") -> Actor:
    return Actor.objects.create(ap_id=f"https://{domain}/users/{name}", username=name, domain=domain,
                                display_name=name.title(), inbox=f"https://{domain}/users/{name}/inbox",
                                private_key_pem="SECRET-PRIVATE-KEY")


def ask(ama, text="What data did you train on?", author=None, **extra) -> Question:
    author = author or make_remote(f"asker{next(_seq)}")
    return services.question_receive(ama=ama, author=author, ap_id=f"https://remote.example/notes/{next(_seq)}",
                                     content_html=f"<p>{text}</p>", in_reply_to=ama.ap_id, **extra)


def shown(ama, text="Which licence?", **extra) -> Question:
    return services.question_approve(question=ask(ama, text, **extra))


def make_ama(host, title="Second AMA", publish=True, **extra) -> Ama:
    now = timezone.now()
    return services.ama_create(host=host, title=title, opens_at=now - timedelta(hours=1),
                               closes_at=now + timedelta(hours=2), publish=publish, **extra)


def body(response):
    return json.loads(response.content)


def questions_url(ama, suffix=""):
    return f"/api/amas/{ama.slug}/questions/{suffix}"


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def alice(host):
    return host.user


@pytest.fixture
def other_host(make_host):
    """bob hosts his own AMA and has no rights on alice's."""
    actor = make_host("bob", "Bob")
    make_ama(actor, title="Bob's AMA")
    return actor.user


@pytest.fixture
def plain_user(make_host):
    return make_host("carol", "Carol").user


@pytest.fixture
def no_actor_user(db):
    return get_user_model().objects.create_user(username="dave", password="x")


@pytest.fixture
def mixed(open_ama):
    """One question in each state the public must or must not see."""
    questions = {"shown": shown(open_ama, "shown one"), "pending": ask(open_ama, "pending one")}
    questions["rejected"] = services.question_reject(question=ask(open_ama, "rejected one"), note="PRIVATE-NOTE")
    questions["hidden"] = services.question_hide(question=shown(open_ama, "hidden one"), note="PRIVATE-HIDE")
    return questions


# --- AMAs ------------------------------------------------------------------------------------------------

def test_list_shows_published_amas_and_drafts_only_to_their_host(open_ama, alice, plain_user):
    draft = make_ama(open_ama.host, title="Draft AMA", publish=False)
    public = [a["slug"] for a in body(client_for().get("/api/amas/"))["results"]]
    assert open_ama.slug in public and draft.slug not in public
    assert draft.slug in [a["slug"] for a in body(client_for(alice).get("/api/amas/"))["results"]]
    assert draft.slug not in [a["slug"] for a in body(client_for(plain_user).get("/api/amas/"))["results"]]


def test_detail_by_slug(open_ama):
    data = body(client_for().get(f"/api/amas/{open_ama.slug}/"))
    assert data["title"] == open_ama.title and data["state"] == "live"
    assert data["host"]["handle"] == "@alice@testserver" and data["url"] == open_ama.ap_id
    assert "private_key_pem" not in json.dumps(data)


def test_detail_404_for_unknown_deleted_and_others_drafts(open_ama, plain_user):
    draft = make_ama(open_ama.host, title="Draft AMA", publish=False)
    assert client_for().get("/api/amas/no-such-ama/").status_code == 404
    assert client_for(plain_user).get(f"/api/amas/{draft.slug}/").status_code == 404
    services.ama_delete(ama=open_ama)
    assert client_for().get(f"/api/amas/{open_ama.slug}/").status_code == 404


def ama_input(**extra):
    now = timezone.now()
    return {"title": "Ask me about GPUs", "intro": "I *build* them.", "language": "fr",
            "opens_at": (now + timedelta(days=1)).isoformat(), "closes_at": (now + timedelta(days=2)).isoformat(),
            "moderation_mode": "post", "rate_limit_per_hour": 3, "max_question_length": 500,
            "allow_downvotes": True, **extra}


def test_create_makes_the_users_actor_the_host(host, alice):
    response = client_for(alice).post("/api/amas/", ama_input(), format="json")
    assert response.status_code == 201, response.content
    ama = Ama.objects.get(slug=body(response)["slug"])
    assert ama.host == host and ama.created_by == alice and ama.state == Ama.State.DRAFT
    assert (ama.language, ama.moderation_mode, ama.rate_limit_per_hour) == ("fr", "post", 3)
    assert ama.allow_downvotes and "<em>build</em>" in body(response)["intro_html"]


def test_create_and_publish(alice):
    response = client_for(alice).post("/api/amas/", ama_input(publish=True), format="json")
    assert response.status_code == 201 and body(response)["state"] == "scheduled"


def test_create_anonymous_is_401_with_token_challenge(db):
    response = client_for().post("/api/amas/", ama_input(), format="json")
    assert response.status_code == 401 and response["WWW-Authenticate"] == "Token"


def test_create_needs_a_local_actor(no_actor_user):
    response = client_for(no_actor_user).post("/api/amas/", ama_input(), format="json")
    assert response.status_code == 403 and "local account" in body(response)["detail"]


@pytest.mark.parametrize("bad, field", [
    ({"title": ""}, "title"),
    ({"title": None}, "title"),
    ({"language": "not a language"}, "language"),
    ({"rate_limit_per_hour": 0}, "rate_limit_per_hour"),
    ({"max_question_length": 10**12}, "max_question_length"),
    ({"moderation_mode": "anarchy"}, "moderation_mode"),
    ({"opens_at": "yesterday"}, "opens_at"),
    ({"closes_at": "9999-12-31T23:00:00Z"}, "closes_at"),
])
def test_create_bad_input_is_400_with_a_reason(alice, bad, field):
    response = client_for(alice).post("/api/amas/", ama_input(**bad), format="json")
    assert response.status_code == 400 and body(response)[field]


def test_create_closing_before_opening_is_400(alice):
    now = timezone.now()
    response = client_for(alice).post("/api/amas/", ama_input(opens_at=now.isoformat(),
                                                              closes_at=(now - timedelta(hours=1)).isoformat()),
                                      format="json")
    assert response.status_code == 400 and "after opens_at" in body(response)["closes_at"][0]


def test_host_patches_their_ama(open_ama, alice):
    response = client_for(alice).patch(f"/api/amas/{open_ama.slug}/", {"title": "New title", "intro": "**hi**"},
                                       format="json")
    assert response.status_code == 200 and body(response)["title"] == "New title"
    open_ama.refresh_from_db()
    assert open_ama.title == "New title" and "<strong>hi</strong>" in open_ama.intro_html


def test_patch_roles(open_ama, other_host, no_actor_user):
    url, data = f"/api/amas/{open_ama.slug}/", {"title": "Hijacked"}
    assert client_for().patch(url, data, format="json").status_code == 401
    assert client_for(other_host).patch(url, data, format="json").status_code == 403
    assert client_for(no_actor_user).patch(url, data, format="json").status_code == 403
    open_ama.refresh_from_db()
    assert open_ama.title != "Hijacked"


def test_patch_closing_before_opening_is_400(open_ama, alice):
    past = (open_ama.opens_at - timedelta(days=1)).isoformat()
    response = client_for(alice).patch(f"/api/amas/{open_ama.slug}/", {"closes_at": past}, format="json")
    assert response.status_code == 400 and "closes_at" in body(response)


def test_patch_publish_publishes_a_draft_once(host, alice):
    draft = make_ama(host, title="Draft", publish=False)
    url = f"/api/amas/{draft.slug}/"
    response = client_for(alice).patch(url, {"publish": True}, format="json")
    assert response.status_code == 200 and body(response)["state"] == "live"
    again = client_for(alice).patch(url, {"publish": True}, format="json")
    assert again.status_code == 400 and body(again) == {"detail": "this AMA is already published"}


def test_admin_may_edit_any_ama(open_ama, db):
    admin = get_user_model().objects.create_superuser(username="root", password="x")
    response = client_for(admin).patch(f"/api/amas/{open_ama.slug}/", {"title": "By admin"}, format="json")
    assert response.status_code == 200


def test_close_then_close_again_is_400(open_ama, alice):
    url = f"/api/amas/{open_ama.slug}/close/"
    response = client_for(alice).post(url)
    assert response.status_code == 200 and body(response)["state"] == "ended"
    again = client_for(alice).post(url)
    assert again.status_code == 400 and "cannot be closed" in body(again)["detail"]


def test_open_a_draft_makes_it_live(host, alice):
    draft = make_ama(host, title="Draft", publish=False)
    response = client_for(alice).post(f"/api/amas/{draft.slug}/open/")
    assert response.status_code == 200 and body(response)["state"] == "live"


def test_open_close_roles_and_404(open_ama, other_host):
    for action in ("open", "close"):
        assert client_for().post(f"/api/amas/{open_ama.slug}/{action}/").status_code == 401
        assert client_for(other_host).post(f"/api/amas/{open_ama.slug}/{action}/").status_code == 403
        assert client_for(other_host).post(f"/api/amas/nope/{action}/").status_code == 404


def test_delete(open_ama, alice, other_host):
    url = f"/api/amas/{open_ama.slug}/"
    assert client_for().delete(url).status_code == 401
    assert client_for(other_host).delete(url).status_code == 403
    assert client_for(alice).delete(url).status_code == 204
    assert client_for(alice).get(url).status_code == 404
    assert Ama.objects.get(pk=open_ama.pk).deleted_at is not None


def test_put_is_not_offered(open_ama, alice):
    response = client_for(alice).put(f"/api/amas/{open_ama.slug}/", ama_input(), format="json")
    assert response.status_code == 405


# --- questions --------------------------------------------------------------------------------------------

def test_anonymous_lists_only_shown_questions(open_ama, mixed):
    data = body(client_for().get(questions_url(open_ama)))
    assert [q["id"] for q in data["results"]] == [mixed["shown"].pk] and data["count"] == 1
    question = data["results"][0]
    assert question["content_html"] == "<p>shown one</p>" and question["moderation"] is None
    assert question["author"]["handle"].startswith("@asker") and question["author"]["display_name"]
    assert question["permalink"].endswith(f"/amas/{open_ama.slug}/questions/{mixed['shown'].pk}")
    assert question["answered"] is False and question["answers"] == []


@pytest.mark.parametrize("which", ["pending", "rejected", "hidden"])
def test_anonymous_never_sees_unapproved_questions(open_ama, mixed, plain_user, which):
    question = mixed[which]
    for client in (client_for(), client_for(plain_user)):
        assert client.get(questions_url(open_ama, f"{question.pk}/")).status_code == 404
        listing = client.get(questions_url(open_ama) + "?sort=newest").content.decode()
        assert f"{which} one" not in listing and "PRIVATE" not in listing


def test_public_filtering_by_state_is_403(open_ama, mixed, plain_user):
    assert client_for().get(questions_url(open_ama) + "?state=pending").status_code == 403
    assert client_for(plain_user).get(questions_url(open_ama) + "?state=rejected").status_code == 403


@pytest.mark.parametrize("state", ["pending", "rejected", "hidden", "published"])
def test_host_filters_by_state(open_ama, mixed, alice, state):
    data = body(client_for(alice).get(questions_url(open_ama) + f"?state={state}"))
    assert len(data["results"]) == 1 and data["results"][0]["moderation"]["state"] == state


def test_host_sees_moderation_details(open_ama, mixed, alice):
    data = body(client_for(alice).get(questions_url(open_ama, f"{mixed['rejected'].pk}/")))
    assert data["moderation"]["reject_note"] == "PRIVATE-NOTE" and data["moderation"]["reject_reason"] == "other"
    default = body(client_for(alice).get(questions_url(open_ama)))
    assert [q["id"] for q in default["results"]] == [mixed["shown"].pk]


def test_host_of_another_ama_cannot_see_or_filter(open_ama, mixed, other_host):
    assert client_for(other_host).get(questions_url(open_ama) + "?state=pending").status_code == 403
    assert client_for(other_host).get(questions_url(open_ama, f"{mixed['pending'].pk}/")).status_code == 404


def test_sorts(open_ama, alice):
    old, new, top = (shown(open_ama, text) for text in ("old", "new", "top"))
    Question.objects.filter(pk=old.pk).update(received_at=timezone.now() - timedelta(hours=2))
    Question.objects.filter(pk=top.pk).update(received_at=timezone.now() - timedelta(hours=1), vote_count=5)
    services.answer_publish(question=new, author=open_ama.host, body="yes")

    def ids(sort):
        return [q["id"] for q in body(client_for().get(questions_url(open_ama) + f"?sort={sort}"))["results"]]
    assert ids("top") == [top.pk, old.pk, new.pk]
    assert ids("newest") == [new.pk, top.pk, old.pk] and ids("oldest") == [old.pk, top.pk, new.pk]
    assert ids("answered") == [new.pk] and ids("unanswered") == [top.pk, old.pk]


def test_bad_sort_is_400_and_unknown_ama_404(open_ama):
    response = client_for().get(questions_url(open_ama) + "?sort=random")
    assert response.status_code == 400 and "sort" in body(response)
    assert client_for().get("/api/amas/nope/questions/").status_code == 404
    assert client_for().get(questions_url(open_ama, "999999/")).status_code == 404


def test_pagination(open_ama):
    for n in range(3):
        shown(open_ama, f"q{n}")
    data = body(client_for().get(questions_url(open_ama) + "?limit=2&offset=1"))
    assert data["count"] == 3 and len(data["results"]) == 2 and data["previous"]
    assert body(client_for().get(questions_url(open_ama) + f"?offset={10**30}"))["results"] == []


def test_host_approves_with_announce(open_ama, mixed, alice):
    response = client_for(alice).post(questions_url(open_ama, f"{mixed['pending'].pk}/approve/"),
                                      {"announce": True}, format="json")
    assert response.status_code == 200 and body(response)["moderation"]["state"] == "published"
    listing = body(client_for().get(questions_url(open_ama)))["results"]
    assert mixed["pending"].pk in [q["id"] for q in listing]


def test_host_rejects_with_reason_and_note(open_ama, mixed, alice):
    response = client_for(alice).post(questions_url(open_ama, f"{mixed['shown'].pk}/reject/"),
                                      {"reason": "off-topic", "note": "not about models", "tell_asker": False},
                                      format="json")
    assert response.status_code == 200
    question = Question.objects.get(pk=mixed["shown"].pk)
    assert (question.state, question.reject_reason, question.reject_note) == ("rejected", "off-topic",
                                                                              "not about models")
    assert body(client_for().get(questions_url(open_ama)))["results"] == []


def test_reject_with_unknown_reason_is_400(open_ama, mixed, alice):
    response = client_for(alice).post(questions_url(open_ama, f"{mixed['pending'].pk}/reject/"),
                                      {"reason": "ugly"}, format="json")
    assert response.status_code == 400 and "reason" in body(response)


def test_hide_and_unhide(open_ama, mixed, alice):
    url = questions_url(open_ama, f"{mixed['shown'].pk}/")
    assert client_for(alice).post(url + "hide/", {"note": "spoiler"}, format="json").status_code == 200
    assert client_for().get(url).status_code == 404
    assert client_for(alice).post(url + "unhide/").status_code == 200
    assert client_for().get(url).status_code == 200


def test_hiding_a_pending_question_is_400_with_the_reason(open_ama, mixed, alice):
    response = client_for(alice).post(questions_url(open_ama, f"{mixed['pending'].pk}/hide/"))
    assert response.status_code == 400 and body(response) == {"detail": "only a published question can be hidden"}


def test_approving_a_deleted_question_is_400(open_ama, alice):
    question = services.question_delete_received(question=ask(open_ama))
    response = client_for(alice).post(questions_url(open_ama, f"{question.pk}/approve/"))
    assert response.status_code == 400 and "cannot be approved" in body(response)["detail"]


@pytest.mark.parametrize("action", ["approve", "reject", "hide", "unhide"])
def test_moderation_roles(open_ama, mixed, other_host, plain_user, action):
    url = questions_url(open_ama, f"{mixed['pending'].pk}/{action}/")
    assert client_for().post(url).status_code == 401
    assert client_for(other_host).post(url).status_code == 403
    assert client_for(plain_user).post(url).status_code == 403
    assert Question.objects.get(pk=mixed["pending"].pk).state == "pending"


def test_moderation_404(open_ama, alice, other_host):
    assert client_for(alice).post(questions_url(open_ama, "999999/approve/")).status_code == 404
    bobs = Ama.objects.get(host__username="bob")
    foreign = ask(bobs)
    assert client_for(alice).post(questions_url(open_ama, f"{foreign.pk}/approve/")).status_code == 404


def test_scoped_moderator_moderates_only_their_ama(open_ama, mixed, plain_user, other_host):
    bobs = Ama.objects.get(host__username="bob")
    ModeratorAssignment.objects.create(user=plain_user, ama=open_ama)
    mine = client_for(plain_user).post(questions_url(open_ama, f"{mixed['pending'].pk}/approve/"))
    assert mine.status_code == 200
    theirs = client_for(plain_user).post(questions_url(bobs, f"{ask(bobs).pk}/approve/"))
    assert theirs.status_code == 403


def test_global_moderator_and_cohost_moderate(open_ama, mixed, plain_user, no_actor_user):
    ModeratorAssignment.objects.create(user=no_actor_user, ama=None)
    response = client_for(no_actor_user).post(questions_url(open_ama, f"{mixed['pending'].pk}/reject/"))
    assert response.status_code == 200
    open_ama.cohosts.add(Actor.objects.get(user=plain_user))
    response = client_for(plain_user).post(questions_url(open_ama, f"{mixed['rejected'].pk}/approve/"))
    assert response.status_code == 200


# --- answers ----------------------------------------------------------------------------------------------

def test_host_answers_a_shown_question(open_ama, alice):
    question = shown(open_ama)
    response = client_for(alice).post(f"/api/questions/{question.pk}/answers/", {"body": "**Apache-2.0**"},
                                      format="json")
    assert response.status_code == 201, response.content
    answer = body(response)
    assert "<strong>Apache-2.0</strong>" in answer["content_html"] and answer["author"]["handle"] == "@alice@testserver"
    listed = body(client_for().get(questions_url(open_ama, f"{question.pk}/")))
    assert listed["answered"] is True and [a["id"] for a in listed["answers"]] == [answer["id"]]


def test_answering_a_pending_question_is_400(open_ama, alice):
    response = client_for(alice).post(f"/api/questions/{ask(open_ama).pk}/answers/", {"body": "hi"}, format="json")
    assert response.status_code == 400 and body(response) == {"detail": "only an approved question can be answered"}


def test_answer_roles_and_bad_input(open_ama, alice, other_host, plain_user):
    url = f"/api/questions/{shown(open_ama).pk}/answers/"
    assert client_for().post(url, {"body": "x"}, format="json").status_code == 401
    assert client_for(other_host).post(url, {"body": "x"}, format="json").status_code == 403
    assert client_for(plain_user).post(url, {"body": "x"}, format="json").status_code == 403
    empty = client_for(alice).post(url, {"body": "   "}, format="json")
    assert empty.status_code == 400 and "body" in body(empty)
    assert client_for(alice).post("/api/questions/999999/answers/", {"body": "x"}, format="json").status_code == 404


def test_cohost_answers_but_cannot_edit_the_ama(open_ama, plain_user):
    open_ama.cohosts.add(Actor.objects.get(user=plain_user))
    url = f"/api/questions/{shown(open_ama).pk}/answers/"
    assert client_for(plain_user).post(url, {"body": "co-host here"}, format="json").status_code == 201
    patch = client_for(plain_user).patch(f"/api/amas/{open_ama.slug}/", {"title": "x"}, format="json")
    assert patch.status_code == 403


@pytest.fixture
def answer(open_ama):
    return services.answer_publish(question=shown(open_ama), author=open_ama.host, body="First draft")


def test_answer_detail_edit_and_delete(answer, alice):
    url = f"/api/answers/{answer.pk}/"
    assert body(client_for().get(url))["body"] == "First draft"
    edited = client_for(alice).patch(url, {"body": "Second *draft*"}, format="json")
    assert edited.status_code == 200 and "<em>draft</em>" in body(edited)["content_html"]
    assert client_for(alice).delete(url).status_code == 204
    assert client_for().get(url).status_code == 404
    question = body(client_for().get(questions_url(answer.question.ama, f"{answer.question_id}/")))
    assert question["answers"] == [] and question["answered"] is False


def test_answer_edit_roles_and_bad_input(answer, alice, other_host):
    url = f"/api/answers/{answer.pk}/"
    assert client_for().patch(url, {"body": "x"}, format="json").status_code == 401
    assert client_for(other_host).patch(url, {"body": "x"}, format="json").status_code == 403
    assert client_for(other_host).delete(url).status_code == 403
    assert client_for(alice).patch(url, {"body": ""}, format="json").status_code == 400
    assert client_for(alice).patch("/api/answers/999999/", {"body": "x"}, format="json").status_code == 404


def test_answer_of_a_hidden_question_is_not_public(answer, alice):
    services.question_hide(question=answer.question)
    assert client_for().get(f"/api/answers/{answer.pk}/").status_code == 404
    assert client_for(alice).get(f"/api/answers/{answer.pk}/").status_code == 200


# --- votes ------------------------------------------------------------------------------------------------

def vote(user, question, method="post", **data):
    client = client_for(user)
    return getattr(client, method)(f"/api/questions/{question.pk}/vote/", data or None, format="json")


def test_vote_arithmetic(open_ama, alice, plain_user):
    question = shown(open_ama)
    assert body(vote(alice, question)) == {"question": question.pk, "vote_count": 1, "value": 1, "changed": True}
    assert body(vote(plain_user, question))["vote_count"] == 2
    assert body(vote(plain_user, question)) == {"question": question.pk, "vote_count": 2, "value": 1,
                                                 "changed": False}
    assert body(vote(plain_user, question, "delete"))["vote_count"] == 1
    assert body(vote(plain_user, question, "delete"))["changed"] is False
    assert Question.objects.get(pk=question.pk).vote_count == 1
    listed = body(client_for().get(questions_url(open_ama)))["results"][0]
    assert listed["vote_count"] == 1


def test_downvotes_only_where_allowed(open_ama, host, alice, plain_user):
    question = shown(open_ama)
    refused = vote(alice, question, value=-1)
    assert refused.status_code == 400 and "downvotes" in body(refused)["value"][0]
    other = make_ama(host, title="Downvotes welcome", allow_downvotes=True)
    question = shown(other)
    vote(alice, question)
    assert body(vote(plain_user, question, value=-1))["vote_count"] == 0
    assert body(vote(plain_user, question, value=1))["vote_count"] == 2


def test_vote_unhappy_paths(open_ama, mixed, alice, no_actor_user):
    assert vote(None, mixed["shown"]).status_code == 401
    refused = vote(no_actor_user, mixed["shown"])
    assert refused.status_code == 403 and "local account" in body(refused)["detail"]
    for which in ("pending", "rejected", "hidden"):
        assert vote(alice, mixed[which]).status_code == 404
    assert client_for(alice).post("/api/questions/999999/vote/").status_code == 404
    assert vote(alice, mixed["shown"], value=7).status_code == 400


# --- authentication, schema -------------------------------------------------------------------------------

def test_session_authentication(open_ama, alice):
    client = APIClient()
    client.force_login(alice)
    response = client.patch(f"/api/amas/{open_ama.slug}/", {"title": "Via session"}, format="json")
    assert response.status_code == 200


def test_session_authentication_enforces_csrf(open_ama, alice):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(alice)
    response = client.patch(f"/api/amas/{open_ama.slug}/", {"title": "Forged"}, format="json")
    assert response.status_code == 403 and "CSRF" in body(response)["detail"]


def test_bad_token_is_401(open_ama):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    assert client.get("/api/amas/").status_code == 401


def test_responses_never_carry_private_fields(open_ama, mixed, answer, alice):
    for client in (client_for(), client_for(alice)):
        for url in ("/api/amas/", questions_url(open_ama), f"/api/answers/{answer.pk}/"):
            text = client.get(url).content.decode()
            assert "SECRET-PRIVATE-KEY" not in text and "PRIVATE KEY" not in text and "private_key" not in text


def test_schema_and_docs(db):
    schema = client_for().get("/api/schema/?format=json")
    assert schema.status_code == 200 and "/api/amas/{slug}/open/" in body(schema)["paths"]
    assert client_for().get("/api/docs/").status_code == 200
