"""Slack's v0 request signature: Slack's documented example passes, Slack's SDK agrees,
and anything stale, missing or malformed fails."""

import pytest
from slack_sdk.signature import SignatureVerifier

from parley.integrations.slack.signature import sign, verify_signature

# The example in Slack's "Verifying requests from Slack".
SECRET = b"8f742231b10e8888abcd99yyyzzz85a5"
TIMESTAMP = "1531420618"
BODY = (
    b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id="
    b"G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook"
    b"-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F3977"
    b"00885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d1"
    b"0d2c447fce8b6703c"
)
SIGNATURE = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"


def verify(signature: str | None, *, timestamp: str | None = TIMESTAMP, now: float = 0) -> bool:
    return verify_signature(
        SECRET, BODY, timestamp=timestamp, signature=signature, now=now or int(TIMESTAMP)
    )


def test_slack_s_documented_example_passes():
    assert sign(SECRET, TIMESTAMP, BODY) == SIGNATURE
    assert verify(SIGNATURE)
    assert verify(SIGNATURE.upper().replace("V0=", "v0="))


def test_slack_s_sdk_makes_the_same_signature():
    verifier = SignatureVerifier(signing_secret="another secret")
    body = '{"text": "hello"}'

    expected = verifier.generate_signature(timestamp="1700000000", body=body)

    assert sign(b"another secret", "1700000000", body.encode()) == expected


@pytest.mark.parametrize("skew", [-300, 300])
def test_five_minutes_either_way_pass(skew):
    assert verify(SIGNATURE, now=int(TIMESTAMP) + skew)


@pytest.mark.parametrize("skew", [-301, 301, 86_400])
def test_older_or_later_fails(skew):
    assert not verify(SIGNATURE, now=int(TIMESTAMP) + skew)


@pytest.mark.parametrize(
    "signature",
    [None, "", SIGNATURE.replace("v0=", "v1="), SIGNATURE[:-1] + "0", "v0=", "v0=ünïcode", "x"],
)
def test_a_wrong_signature_fails(signature):
    assert not verify(signature)


@pytest.mark.parametrize("timestamp", [None, "", "-1531420618", "1531420618.5", "1e9", "٣"])
def test_a_malformed_timestamp_fails(timestamp):
    assert not verify(SIGNATURE, timestamp=timestamp)


def test_no_secret_fails():
    assert not verify_signature(b"", BODY, timestamp=TIMESTAMP, signature=SIGNATURE, now=0)
