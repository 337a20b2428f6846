"""Parley's one error type: a machine-readable code, a message for people, an HTTP status.

Actions raise it; parley.core.middleware renders it as JSON or as a page, and the
WebSocket consumer renders it as an error event. Nothing else builds error responses.
"""

from enum import StrEnum
from http import HTTPStatus
from typing import Any


class ErrorCode(StrEnum):
    INVALID = "invalid"
    INVALID_TEXT = "invalid_text"  # a NUL or a lone surrogate: text no column can hold
    UNAUTHENTICATED = "unauthenticated"  # no session or token, or not a valid one
    NOT_FOUND = "not_found"
    FORBIDDEN = "forbidden"
    CONFLICT = "conflict"
    RATE_LIMITED = "rate_limited"
    TOO_LARGE = "too_large"
    UNAVAILABLE = "unavailable"  # the database or another service is briefly away
    INTERNAL = "internal"


_STATUS = {
    ErrorCode.INVALID: HTTPStatus.BAD_REQUEST,
    ErrorCode.INVALID_TEXT: HTTPStatus.BAD_REQUEST,
    ErrorCode.UNAUTHENTICATED: HTTPStatus.UNAUTHORIZED,
    ErrorCode.NOT_FOUND: HTTPStatus.NOT_FOUND,
    ErrorCode.FORBIDDEN: HTTPStatus.FORBIDDEN,
    ErrorCode.CONFLICT: HTTPStatus.CONFLICT,
    ErrorCode.RATE_LIMITED: HTTPStatus.TOO_MANY_REQUESTS,
    ErrorCode.TOO_LARGE: HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
    ErrorCode.UNAVAILABLE: HTTPStatus.SERVICE_UNAVAILABLE,
    ErrorCode.INTERNAL: HTTPStatus.INTERNAL_SERVER_ERROR,
}


# Machine-facing paths (the API, the webhooks): their errors are JSON, never a page.
JSON_PATHS = ("/api/", "/integrations/")


class ParleyError(Exception):
    """A request Parley refuses, with a reason the client can act on."""

    def __init__(self, code: ErrorCode, message: str, **details: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details  # extra machine-readable fields, e.g. retry_after

    @property
    def status(self) -> int:
        return int(_STATUS[self.code])

    def as_dict(self) -> dict[str, Any]:
        return {"code": str(self.code), "message": self.message, **self.details}


def not_found(what: str = "That") -> ParleyError:
    """The one answer for both "does not exist" and "you may not see it"."""
    return ParleyError(ErrorCode.NOT_FOUND, f"{what} was not found.")
