"""Domain errors raised by services; registry.api.problems maps each to one HTTP problem."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error a service raises on purpose."""

    slug = "domain-error"

    def __init__(self, detail: str, errors: dict[str, list[str]] | None = None, **extra: object):
        super().__init__(detail)
        self.detail = detail
        self.errors = errors
        self.extra = extra


class NotFound(DomainError):
    slug = "not-found"


class Forbidden(DomainError):
    """The caller is known but may not do this (their role, or another department's data)."""

    slug = "forbidden"


class ValidationFailed(DomainError):
    """The request is well-formed but breaks a registry rule; ``errors`` names the fields."""

    slug = "validation-failed"


class Conflict(DomainError):
    """The change clashes with the registry's current state (a taken 序号, an already retired power)."""

    slug = "conflict"


class PreconditionRequired(DomainError):
    """A change to a versioned row came without If-Match."""

    slug = "precondition-required"


class StaleVersion(DomainError):
    """The If-Match version is no longer current: someone else changed the row first."""

    slug = "stale-version"
