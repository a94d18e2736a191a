"""Domain errors. Each has a stable ``code``; ``server/errors.py`` alone maps classes to HTTP statuses."""

from typing import Any


class DomainError(Exception):
    code = "domain_error"

    def __init__(self, message: str, *, code: str | None = None, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.details = details


class NotFound(DomainError):
    """Absent, or not visible to this actor: the same answer, so existence never leaks."""

    code = "not_found"


class NotPermitted(DomainError):
    code = "forbidden"


class InvalidInput(DomainError):
    code = "invalid"


class Conflict(DomainError):
    code = "conflict"


class TooLarge(DomainError):
    code = "too_large"


class Unsupported(DomainError):
    code = "unsupported_media"
