"""X-Hub-Signature-256: GitHub's documented test vector passes, everything else fails."""

import hashlib
import hmac

import pytest

from parley.integrations.github import verify_signature
from parley.integrations.github.tests.fixtures import SECRET, delivery

# docs.github.com, "Validating webhook deliveries": testing the webhook payload validation.
DOC_SECRET = b"It's a Secret to Everybody"
DOC_BODY = b"Hello, World!"
DOC_SIGNATURE = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"


def test_githubs_test_vector():
    assert verify_signature(DOC_SECRET, DOC_BODY, DOC_SIGNATURE)


@pytest.mark.parametrize(
    ("secret", "body", "header"),
    [
        (b"It's a secret to everybody", DOC_BODY, DOC_SIGNATURE),  # another secret
        (DOC_SECRET, b"Hello, World?", DOC_SIGNATURE),  # another body
        (DOC_SECRET, DOC_BODY + b"\n", DOC_SIGNATURE),
        (DOC_SECRET, DOC_BODY, DOC_SIGNATURE[:-1] + "f"),
        (DOC_SECRET, DOC_BODY, DOC_SIGNATURE[:-2]),  # truncated
        (DOC_SECRET, DOC_BODY, DOC_SIGNATURE.removeprefix("sha256=")),  # no algorithm
        (DOC_SECRET, DOC_BODY, "sha512=" + DOC_SIGNATURE.removeprefix("sha256=")),
        (DOC_SECRET, DOC_BODY, None),  # missing
        (DOC_SECRET, DOC_BODY, ""),
        (DOC_SECRET, DOC_BODY, "sha256="),
        (DOC_SECRET, DOC_BODY, "sha256=é" + "0" * 63),  # not ASCII: no TypeError either
        (b"", DOC_BODY, "sha256=" + hmac.new(b"", DOC_BODY, hashlib.sha256).hexdigest()),
    ],
)
def test_anything_else_fails(secret, body, header):
    assert not verify_signature(secret, body, header)


def test_the_sha1_signature_alone_is_not_enough():
    fixture = delivery("push__commits")
    sha1 = fixture.headers["X-Hub-Signature"]
    assert sha1 == "sha1=" + hmac.new(SECRET, fixture.body, hashlib.sha1).hexdigest()
    assert not verify_signature(SECRET, fixture.body, sha1)
    assert verify_signature(SECRET, fixture.body, fixture.headers["X-Hub-Signature-256"])
