"""A host's picture from the dashboard (ama/views/avatar.py) and the `{% avatar %}` tag: the file is judged by its
content, refused with a clear error (nothing stored) when it is not a picture we take, and otherwise re-encoded
and served by us with a year's cache; the tag shows it, or initials on a colour fixed by the handle."""

import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template import Context, Template
from django.test import Client
from django.urls import reverse
from PIL import Image

from ama import services
from ama.models import Ama, AuditEntry
from federation.avatar_images import MAX_BYTES
from federation.documents import actor_document
from federation.models import Actor, ActorAvatar
from tests.pictures import SVG_WITH_SCRIPT, picture, png_header_only

URL = "/dashboard/profile/avatar/"


def png(colour=(10, 160, 90)) -> bytes:
    return picture("PNG", (320, 240), colour)


@pytest.fixture
def alice(host, media):
    client = Client()
    client.force_login(host.user)
    return client


def upload(client, data: bytes, name="me.png", content_type="image/png"):
    return client.post(URL, {"picture": SimpleUploadedFile(name, data, content_type=content_type)})


def stored_files(media) -> list:
    return sorted(media.glob("avatars/*")) if media.exists() else []


def test_a_good_upload_is_re_encoded_and_served_from_our_origin_with_a_long_cache(alice, host, media, settings):
    response = upload(alice, png())
    assert response.status_code == 302 and response["Location"] == URL
    row = ActorAvatar.objects.get(actor=host)
    assert row.uploaded and len(row.digest) == 32
    assert [path.name for path in stored_files(media)] == [f"{row.digest}-256.webp", f"{row.digest}-96.webp"]
    served = alice.get(f"/media/avatars/{row.digest}-256.webp")
    assert served.status_code == 200 and served["Content-Type"] == "image/webp"
    assert served["Cache-Control"] == "public, max-age=31536000, immutable"
    assert Image.open(io.BytesIO(b"".join(served.streaming_content))).size == (256, 256)
    host.refresh_from_db()
    ours = f"http://{settings.FEDIAMA_DOMAIN}/media/avatars/{row.digest}-256.webp"
    assert host.icon_url == ours
    assert actor_document(host)["icon"] == {"type": "Image", "url": ours}
    assert AuditEntry.objects.filter(action="host.avatar", target=host.ap_id).exists()
    page = alice.get(URL).content.decode()
    assert f'src="/media/avatars/{row.digest}-' in page


def test_a_new_picture_gets_new_file_names(alice, host, media):
    upload(alice, png((200, 0, 0)))
    first = ActorAvatar.objects.get(actor=host).digest
    upload(alice, png((0, 0, 200)))
    assert ActorAvatar.objects.get(actor=host).digest != first


REFUSALS = [
    (b"just some text, not a picture", "notes.png", "image/png",
     "This file is not a PNG, JPEG, WebP or GIF picture (SVG is not accepted)."),
    (SVG_WITH_SCRIPT, "me.svg", "image/svg+xml",
     "This file is not a PNG, JPEG, WebP or GIF picture (SVG is not accepted)."),
    (png_header_only(50_000, 50_000), "bomb.png", "image/png", "This picture is larger than 4096 × 4096 pixels."),
    (png() + b"\0" * MAX_BYTES, "big.png", "image/png", "This picture is larger than 1 MiB: choose a smaller file."),
]


@pytest.mark.parametrize("data,name,content_type,message", REFUSALS,
                         ids=["wrong-type", "svg-with-script", "huge-dimensions", "too-large"])
def test_a_refused_upload_says_why_and_stores_nothing(alice, host, media, data, name, content_type, message):
    response = upload(alice, data, name, content_type)
    assert response.status_code == 400
    assert message in response.content.decode().replace("&#x27;", "'")
    assert not ActorAvatar.objects.exists() and stored_files(media) == []
    host.refresh_from_db()
    assert host.icon_url == ""


def test_a_refusal_is_explained_in_french(alice, media):
    alice.cookies["django_language"] = "fr"
    response = upload(alice, SVG_WITH_SCRIPT, "me.svg", "image/svg+xml")
    assert response.status_code == 400
    assert "n’est pas une image PNG, JPEG, WebP ou GIF" in response.content.decode()


def test_an_upload_past_the_limit_is_not_kept(alice, host, media):
    """SizeLimitedUpload stops keeping the file once it passes 1 MiB (a file Django would otherwise spool to
    disk, past FILE_UPLOAD_MAX_MEMORY_SIZE): the form says so, nothing is kept."""
    response = upload(alice, png() + b"\0" * (3 * MAX_BYTES))
    assert response.status_code == 400
    assert response.context["form"].too_large is True
    assert "larger than 1 MiB" in response.content.decode()
    assert not ActorAvatar.objects.exists() and stored_files(media) == []


def test_the_upload_needs_a_csrf_token(host, media):
    client = Client(enforce_csrf_checks=True)
    client.force_login(host.user)
    assert upload(client, png()).status_code == 403
    assert not ActorAvatar.objects.exists()


def test_an_account_without_a_fediverse_identity_cannot_upload(db, media):
    client = Client()
    client.force_login(get_user_model().objects.create_user("nobody", password="x"))
    assert client.get(URL).status_code == 403
    assert upload(client, png()).status_code == 403
    assert not ActorAvatar.objects.exists()


def test_anonymous_visitors_are_sent_to_log_in(db, media):
    response = Client().post(URL, {"picture": SimpleUploadedFile("me.png", png(), content_type="image/png")})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not ActorAvatar.objects.exists()


def test_removing_the_picture_brings_back_the_initials(alice, host, media):
    upload(alice, png())
    response = alice.post(reverse("dashboard-avatar-remove"))
    assert response.status_code == 302
    assert not ActorAvatar.objects.filter(actor=host).exists()
    host.refresh_from_db()
    assert host.icon_url == "" and "icon" not in actor_document(host)
    assert "avatar-initials" in render(host)


def render(actor, size=48) -> str:
    return Template("{% load avatars %}{% avatar actor size %}").render(Context({"actor": actor, "size": size}))


def test_the_placeholder_shows_initials_on_a_colour_fixed_by_the_handle(db):
    camille = Actor.objects.create(ap_id="https://a.example/users/camille", username="camille",
                                   domain="a.example", display_name="Camille :blobcat: Dupont")
    html = render(camille)
    assert re.fullmatch(r'<span class="avatar avatar-initials avatar-48 avatar-hue-\d+" aria-hidden="true">CD</span>',
                        html)
    assert render(camille) == html
    hues = {render(Actor.objects.create(ap_id=f"https://a.example/users/u{n}", username=f"u{n}",
                                        domain="a.example")).split("avatar-hue-")[1].split('"')[0]
            for n in range(40)}
    assert len(hues) > 6  # handles spread over the palette


@pytest.mark.parametrize("display_name,username,expected", [
    ("", "bob", "B"), ("Ada Lovelace", "ada", "AL"), (":party: ", "zed_42", "Z"), ("élodie", "x", "É"),
    ("", "", "?"),
])
def test_initials(db, display_name, username, expected):
    actor = Actor(ap_id="https://a.example/users/x", username=username, domain="a.example", display_name=display_name)
    assert f">{expected}</span>" in render(actor)


def test_anything_but_an_actor_gets_the_neutral_placeholder(db):
    assert ">?</span>" in render(None)


def test_the_placeholder_carries_nothing_but_letters_of_what_a_stranger_wrote(db):
    actor = Actor(ap_id="https://a.example/users/x", username="x", domain="a.example",
                  display_name='"><img src=x onerror=alert(1)>')
    assert "<img" not in render(actor) and ">IA</span>" in render(actor)


def test_a_shown_picture_is_decorative_sized_and_lazy(alice, host, media):
    upload(alice, png())
    digest = ActorAvatar.objects.get(actor=host).digest
    host = Actor.objects.get(pk=host.pk)
    assert render(host, 48) == (f'<img class="avatar avatar-48" src="/media/avatars/{digest}-96.webp" width="48" '
                                'height="48" alt="" loading="lazy" decoding="async">')
    assert f"/media/avatars/{digest}-256.webp" in render(host, 56)


def test_a_new_picture_moves_the_version_of_the_pages_showing_it(alice, host, open_ama, media, make_host,
                                                                 django_capture_on_commit_callbacks):
    """Cached renders and 304s are keyed by the AMA's version: without this the old picture (or the initials)
    would stay on a quiet AMA's page."""
    other = Ama.objects.get(pk=open_ama.pk)
    stranger_ama = services.ama_create(host=make_host("sam", "Sam"), title="Elsewhere", intro="", language="en",
                                       opens_at=other.opens_at, closes_at=other.closes_at, publish=True)
    before, unrelated = other.version, Ama.objects.get(pk=stranger_ama.pk).version
    with django_capture_on_commit_callbacks(execute=True):
        upload(alice, png())
    assert Ama.objects.get(pk=open_ama.pk).version > before
    assert Ama.objects.get(pk=stranger_ama.pk).version == unrelated
    with django_capture_on_commit_callbacks(execute=True):
        alice.post(reverse("dashboard-avatar-remove"))
    assert Ama.objects.get(pk=open_ama.pk).version > before + 1
