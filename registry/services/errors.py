"""Domain errors raised by services; registry.http.problems maps each to one HTTP problem.

Each error's detail is a ``Message``: an English sentence with a stable code (``Code``, declared once in
registry.domain.messages) and the parameters the console's Chinese wording needs. Field messages in ``errors``
are Messages too.
"""

from __future__ import annotations

from registry.domain.messages import Code, Message

__all__ = ["Code", "Conflict", "DomainError", "Forbidden", "Message", "NotFound", "PreconditionRequired",
           "StaleVersion", "StorageFull", "Unavailable", "ValidationFailed"]


class DomainError(Exception):
    """Base of every error a service raises on purpose."""

    slug = "domain-error"

    def __init__(self, detail: Message, errors: dict[str, list[Message]] | None = None, **extra: object):
        if not isinstance(detail, Message):
            raise TypeError(f"a {type(self).__name__} needs a Message with a declared code, not {detail!r}")
        super().__init__(detail)
        self.detail = detail
        self.errors = errors
        self.extra = extra

    @property
    def code(self) -> Code:
        return self.detail.code

    @property
    def params(self) -> dict[str, object]:
        return self.detail.params


class NotFound(DomainError):
    slug = "not-found"


class Forbidden(DomainError):
    """The caller is known but may not do this (their role, or another department's data)."""

    slug = "forbidden"


class ValidationFailed(DomainError):
    """The request is well-formed but breaks a registry rule; ``errors`` names the fields."""

    slug = "validation-failed"


class TooLarge(DomainError):
    """A file over the registry's size limit for its kind (a decision file: decision_file_max_bytes)."""

    slug = "too-large"


class Conflict(DomainError):
    """The change clashes with the registry's current state (a taken 序号, an already retired power)."""

    slug = "conflict"


class PreconditionRequired(DomainError):
    """A change to a versioned row came without If-Match."""

    slug = "precondition-required"


class StaleVersion(DomainError):
    """The If-Match version is no longer current: someone else changed the row first."""

    slug = "stale-version"


class Unavailable(DomainError):
    """The registry cannot answer or write now: the database is down, unreachable or locked by another writer
    (the same request may succeed in ``retry_after`` seconds), or the audit key is not the trail's (an operator
    must fix it; no retry time)."""

    slug = "unavailable"

    def __init__(self, detail: Message, retry_after: int | None = None):
        super().__init__(detail)
        self.retry_after = retry_after


class StorageFull(DomainError):
    """The database's disk is full: nothing can be written until an operator frees space."""

    slug = "storage-full"
