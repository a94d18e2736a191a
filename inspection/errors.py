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

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled as what it is (message, code, details), whatever its ``__init__`` takes: errors raised in a
        worker process (the photo pipeline) reach the request with their class and text intact."""
        return (_rebuild, (type(self), self.message, self.code, self.details))


def _rebuild(cls: type[DomainError], message: str, code: str, details: Any) -> DomainError:
    error = cls.__new__(cls)
    Exception.__init__(error, message)
    error.message, error.code, error.details = message, code, details
    return error


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
