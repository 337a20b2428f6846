"""Sign-up: unique names and emails in any case, safe usernames, password
strength, errors by field."""

import pytest
from django.urls import reverse

from parley.accounts.models import User
from parley.accounts.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def signup(client, **overrides):
    data = {
        "username": "newcomer",
        "email": "newcomer@example.org",
        "password1": PASSWORD,
        "password2": PASSWORD,
        **overrides,
    }
    return client.post(reverse("signup"), data)


def field_errors(response, field):
    return response.context["form"].errors.get(field, [])


def test_signup_creates_a_salted_account_and_signs_in(client):
    response = signup(client)

    assert response.status_code == 302
    assert response["Location"] == reverse("edit_profile")
    user = User.objects.get(username="newcomer")
    assert user.email == "newcomer@example.org"
    assert user.password != PASSWORD and user.check_password(PASSWORD)
    page = client.get(reverse("edit_profile"))
    assert page.status_code == 200
    assert "Welcome to Parley, newcomer!" in page.content.decode()


@pytest.mark.parametrize("taken", ["Alice", "ALICE", "alice"])
def test_username_taken_in_any_case(client, taken):
    UserFactory(username="alice")

    response = signup(client, username=taken)

    assert response.status_code == 400
    assert field_errors(response, "username") == ["That username is taken."]
    assert User.objects.count() == 1


def test_email_taken_in_any_case(client):
    UserFactory(username="alice", email="alice@example.org")

    response = signup(client, email="Alice@Example.ORG")

    assert response.status_code == 400
    assert field_errors(response, "email") == [
        "An account with that email already exists. Log in or reset your password."
    ]


@pytest.mark.parametrize(
    "username", ["ab", "has space", "émile", "-dash-first", "a" * 33, "semi;colon", "../up"]
)
def test_username_outside_the_safe_characters_is_refused(client, username):
    response = signup(client, username=username)

    assert response.status_code == 400
    assert field_errors(response, "username")
    assert not User.objects.exists()


@pytest.mark.parametrize("password", ["password123", "qwertyuiop", "newcomer2024!", "aaaaaaaaaaaa"])
def test_guessable_password_is_refused_with_advice(client, password):
    response = signup(client, password1=password, password2=password)

    assert response.status_code == 400
    errors = " ".join(field_errors(response, "password2"))
    assert errors
    assert not User.objects.exists()


def test_zxcvbn_message_tells_the_user_what_to_do(client):
    response = signup(client, password1="letmein2024", password2="letmein2024")

    assert field_errors(response, "password2") == [
        "This password is too easy to guess. This is similar to a commonly used password. "
        "Add another word or two. Uncommon words are better."
    ]


def test_mismatched_confirmation(client):
    response = signup(client, password2=PASSWORD + "x")

    assert response.status_code == 400
    assert field_errors(response, "password2") == ["The two password fields didn’t match."]
    assert not User.objects.exists()


def test_errors_are_announced_next_to_their_field(client):
    response = signup(client, username="x")

    html = response.content.decode()
    assert 'aria-invalid="true"' in html
    assert 'id="id_username_error" role="alert"' in html
    assert 'aria-describedby="id_username_helptext id_username_error"' in html


def test_empty_and_garbage_posts_give_form_errors_not_500(client):
    assert client.post(reverse("signup"), {}).status_code == 400
    response = client.post(reverse("signup"), {"username": "\x00" * 5, "email": "x" * 5000})
    assert response.status_code == 400


@pytest.mark.parametrize("field", ["username", "email"])
def test_the_database_itself_refuses_a_case_variant(field):
    """The form checks first, but two signups racing past it still cannot both commit."""
    from django.db import IntegrityError, transaction

    UserFactory(username="alice", email="alice@example.org")
    other = {"username": "someone", "email": "someone@example.org"}
    other[field] = "ALICE" if field == "username" else "ALICE@EXAMPLE.ORG"

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user(password=PASSWORD, **other)
