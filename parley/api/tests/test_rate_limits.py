"""The REST API's own limits, per token and per user: every answer says what is left
(X-RateLimit-*), and past a limit the answer is 429 with Retry-After."""

from django.test import Client

from parley.accounts.actions.tokens import check_create_api_token

ME = "/api/v1/users/me"


def token_client(user) -> Client:
    _, text = check_create_api_token(user, name="t", scope="read", expires_in_days=None)
    return Client(headers={"Authorization": f"Bearer {text}"})


def test_every_answer_says_what_is_left(settings, alice):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "api_token": (1.0, 5)}
    script = token_client(alice)

    first, second = script.get(ME), script.get(ME)

    assert first["X-RateLimit-Limit"] == "5"
    assert first["X-RateLimit-Remaining"] == "4" and second["X-RateLimit-Remaining"] == "3"
    assert int(second["X-RateLimit-Reset"]) >= 1


def test_past_the_token_s_limit_it_is_429_and_another_token_goes_on(settings, alice):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "api_token": (0.01, 2)}
    script, other = token_client(alice), token_client(alice)

    answers = [script.get(ME) for _ in range(3)]

    assert [a.status_code for a in answers] == [200, 200, 429]
    refused = answers[-1]
    assert refused.json()["error"]["code"] == "rate_limited"
    assert int(refused["Retry-After"]) >= 1 and refused["X-RateLimit-Remaining"] == "0"
    assert other.get(ME).status_code == 200


def test_the_user_s_limit_covers_all_their_tokens_and_their_session(settings, alice, bob):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "api": (0.01, 3)}
    first, second = token_client(alice), token_client(alice)
    browser = Client()
    browser.force_login(alice)

    codes = [c.get(ME).status_code for c in (first, second, browser, first)]

    assert codes == [200, 200, 200, 429]
    assert token_client(bob).get(ME).status_code == 200  # another user's bucket
