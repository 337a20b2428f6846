"""Profiles and avatars: editing, re-encoded and stripped photos, refused uploads,
who may see what."""

import io

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from PIL import Image

from parley.accounts.tests.factories import UserFactory
from parley.accounts.tests.images import image_bytes, jpeg_with_gps_exif, upload
from parley.core.testing.clients import client_for

pytestmark = pytest.mark.django_db

NOT_AN_IMAGE = "That file is not a photo Parley can read. Upload a JPEG, PNG, GIF or WebP image."


def save_profile(client, **data):
    data = {"display_name": "Alice L.", "bio": "Down the rabbit hole.", **data}
    return client.post(reverse("edit_profile"), data)


def avatar_errors(response):
    return response.context["form"].errors.get("avatar", [])


def test_edit_display_name_and_bio(alice, alice_client):
    response = save_profile(alice_client)

    assert response.status_code == 302
    alice.refresh_from_db()
    assert (alice.display_name, alice.bio) == ("Alice L.", "Down the rabbit hole.")
    assert "Your profile was saved." in alice_client.get(reverse("edit_profile")).content.decode()


def test_avatar_is_reencoded_square_in_two_sizes_and_served_as_webp(alice, alice_client):
    response = save_profile(alice_client, avatar=upload(image_bytes(size=(640, 480))))

    assert response.status_code == 302
    alice.refresh_from_db()
    for field, size in ((alice.avatar, 256), (alice.avatar_small, 64)):
        served = alice_client.get(field.url)
        assert served.status_code == 200
        assert served["Content-Type"] == "image/webp"
        assert served["X-Content-Type-Options"] == "nosniff"
        image = Image.open(io.BytesIO(b"".join(served.streaming_content)))
        assert (image.format, image.size) == ("WEBP", (size, size))
    assert "alice" not in alice.avatar.name and len(alice.avatar.name) > 30


def test_avatar_exif_is_stripped(alice, alice_client):
    save_profile(alice_client, avatar=upload(jpeg_with_gps_exif(), "me.jpg", "image/jpeg"))

    alice.refresh_from_db()
    with default_storage.open(alice.avatar.name) as stored:
        data = stored.read()
    assert b"SpyCam" not in data
    assert not Image.open(io.BytesIO(data)).getexif()


def test_profile_shows_photo_to_others_and_initials_without_one(alice, bob, bob_client):
    save_profile(client_for(alice), avatar=upload(image_bytes()))
    alice.refresh_from_db()

    alice_page = bob_client.get(reverse("profile", args=["ALICE"])).content.decode()
    assert f'src="{alice.avatar.url}" alt="Photo of Alice L."' in alice_page

    bob_page = client_for(alice).get(reverse("profile", args=["bob"])).content.decode()
    assert 'role="img" aria-label="Bob Marley">BM</span>' in bob_page


def test_replacing_and_removing_the_photo_deletes_the_old_files(
    alice, alice_client, django_capture_on_commit_callbacks
):
    save_profile(alice_client, avatar=upload(image_bytes()))
    alice.refresh_from_db()
    first = [alice.avatar.name, alice.avatar_small.name]

    with django_capture_on_commit_callbacks(execute=True):
        save_profile(alice_client, avatar=upload(image_bytes(colour=(0, 0, 255))))
    alice.refresh_from_db()
    assert not any(default_storage.exists(name) for name in first)
    second = [alice.avatar.name, alice.avatar_small.name]
    assert all(default_storage.exists(name) for name in second)

    with django_capture_on_commit_callbacks(execute=True):
        save_profile(alice_client, remove_avatar="on")
    alice.refresh_from_db()
    assert not alice.avatar and not alice.avatar_small
    assert not any(default_storage.exists(name) for name in second)


@pytest.mark.parametrize(
    ("content", "name", "content_type"),
    [
        (b"just some text, not a picture", "notes.png", "image/png"),
        (b"<html><script>alert(1)</script></html>", "page.png", "image/png"),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "drawing.svg",
            "image/svg+xml",
        ),
        (
            b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10"/>',
            "drawing.png",
            "image/png",
        ),
        (image_bytes()[:60], "truncated.png", "image/png"),
    ],
)
def test_files_that_are_not_raster_images_are_refused(
    alice, alice_client, content, name, content_type
):
    response = save_profile(alice_client, avatar=upload(content, name, content_type))

    assert response.status_code == 400
    assert avatar_errors(response) == [NOT_AN_IMAGE]
    alice.refresh_from_db()
    assert not alice.avatar and alice.display_name == "Alice Liddell"
    assert not default_storage.exists("avatars") or not default_storage.listdir("avatars")[1]


def test_unsupported_raster_format_is_refused(alice_client):
    response = save_profile(alice_client, avatar=upload(image_bytes("BMP"), "old.bmp", "image/bmp"))

    assert avatar_errors(response) == [
        "BMP images are not accepted. Upload a JPEG, PNG, GIF or WebP image."
    ]


def test_oversize_upload_is_refused(alice_client):
    noise = io.BytesIO()
    Image.frombytes("RGB", (1400, 1400), bytes(range(256)) * (1400 * 1400 * 3 // 256 + 1)).save(
        noise, format="PNG", compress_level=0
    )
    assert noise.tell() > 5 * 1024 * 1024

    response = save_profile(alice_client, avatar=upload(noise.getvalue()))

    assert response.status_code == 400
    assert avatar_errors(response) == [
        f"That file is {noise.tell() / 1_048_576:.1f} MB; a photo may be at most 5 MB."
    ]


def test_image_over_40_megapixels_is_refused(alice_client):
    big = image_bytes(size=(8000, 6000), colour=(0, 0, 0))  # 48 MP, a few KB compressed

    response = save_profile(alice_client, avatar=upload(big))

    assert response.status_code == 400
    assert avatar_errors(response) == ["That image is larger than 40 megapixels."]


def test_avatar_urls_need_a_session_and_a_real_name(alice, alice_client, client):
    save_profile(alice_client, avatar=upload(image_bytes()))
    alice.refresh_from_db()

    assert client.get(alice.avatar.url).status_code == 302  # to the login page
    assert alice_client.get("/media/avatars/nope-256.webp").status_code == 404
    assert alice_client.get("/media/avatars/..%2Fsecret_key").status_code == 404


def test_profile_of_unknown_or_deactivated_user_is_not_found(alice_client):
    UserFactory(username="gone", is_active=False)

    assert alice_client.get(reverse("profile", args=["nobody"])).status_code == 404
    assert alice_client.get(reverse("profile", args=["gone"])).status_code == 404


def test_profiles_need_a_session(client, alice):
    response = client.get(reverse("profile", args=["alice"]))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_user_content_is_escaped(alice, bob_client):
    alice.display_name = '<img src=x onerror="alert(1)">'
    alice.bio = "<script>alert('bio')</script>\nsecond line"
    alice.save()

    html = bob_client.get(reverse("profile", args=["alice"])).content.decode()

    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&#x27;bio&#x27;)&lt;/script&gt;<br>second line" in html


def test_too_long_fields_are_refused(alice, alice_client):
    response = save_profile(alice_client, display_name="x" * 65, bio="y" * 501)

    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"display_name", "bio"}


# --- the theme ------------------------------------------------------------------------------


def html_theme(client) -> str | None:
    page = client.get(reverse("chat")).content.decode()
    head = page[: page.index(">", page.index("<html"))]
    return head.split('data-theme="')[1].split('"')[0] if "data-theme" in head else None


def test_the_theme_is_kept_on_the_account_and_overrides_the_browsers(alice, alice_client):
    alice_client.cookies["parley_theme"] = "light"
    assert html_theme(alice_client) == "light"  # never chosen: this browser's choice

    saved = alice_client.post(
        reverse("set_theme"), {"theme": "dark"}, HTTP_ACCEPT="application/json"
    )
    assert saved.status_code == 204
    alice.refresh_from_db()
    assert alice.theme == "dark"
    assert html_theme(alice_client) == "dark"
    assert html_theme(client_for(alice)) == "dark"  # another browser, no cookie

    back = alice_client.post(reverse("set_theme"), {"theme": "system"})
    assert back.status_code == 302 and back.url == reverse("edit_profile")
    assert html_theme(alice_client) is None  # the device's, whatever the cookie says
    settings_page = alice_client.get(reverse("edit_profile")).content.decode()
    assert 'value="system" checked' in settings_page


def test_a_theme_that_is_none_of_the_three_is_refused_and_nothing_changes(alice, alice_client):
    alice_client.post(reverse("set_theme"), {"theme": "dark"})
    refused = alice_client.post(
        reverse("set_theme"), {"theme": "purple"}, HTTP_ACCEPT="application/json"
    )
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "invalid"
    alice.refresh_from_db()
    assert alice.theme == "dark"


def test_before_sign_in_the_browsers_theme_applies(client):
    client.cookies["parley_theme"] = "dark"
    page = client.get(reverse("login")).content.decode()
    assert '<html lang="en" data-theme="dark">' in page
