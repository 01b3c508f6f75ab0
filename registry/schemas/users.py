"""User and token schemas; no password or token hash ever appears in an output."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from registry.domain.roles import Role
from registry.models.base import MAX_ID
from registry.schemas.common import AwareDateTime, Choice, ChoiceOut, InputSchema, Text, UtcDateTime, version_field
from registry.schemas.powers import DepartmentRef
from registry.services.accounts import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH

READ_ONLY = ("id", "disabled", "version", "has_password", "created_at", "updated_at", "password_hash", "token_hash")


class UserCreate(InputSchema):
    read_only_fields = READ_ONLY

    name = Text(100, required=True)
    role = Choice(Role, required=True)
    department = fields.Integer(strict=True, validate=validate.Range(min=1, max=MAX_ID), allow_none=True,
                                metadata={"description": "city guiding department id; department users only"})
    password = fields.String(load_only=True, validate=validate.Length(min=MIN_PASSWORD_LENGTH,
                                                                      max=MAX_PASSWORD_LENGTH),
                             metadata={"description": "for web sign-in; leave out for a token-only account"})
    reason = Text(1000)


class OptionalReason(InputSchema):
    reason = Text(1000)


class TokenCreate(InputSchema):
    read_only_fields = ("id", "token", "token_hash", "revoked_at", "created_at")

    label = Text(100, required=True, metadata={"description": "what the token is for"})
    expires_at = AwareDateTime(metadata={"description": "default: the configured number of days from now"})


class UserOut(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    role = fields.Nested(ChoiceOut, required=True)
    department = fields.Nested(DepartmentRef, allow_none=True, required=True)
    disabled = fields.Boolean(required=True)
    version = version_field()
    has_password = fields.Function(lambda u: u.password_hash is not None, required=True)
    created_at = UtcDateTime(required=True)
    updated_at = UtcDateTime(required=True)


class UserRef(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)


class TokenOut(Schema):
    id = fields.Integer(required=True)
    user = fields.Nested(UserRef, required=True)
    label = fields.String(required=True)
    expires_at = UtcDateTime(required=True)
    revoked_at = UtcDateTime(allow_none=True, required=True)
    created_at = UtcDateTime(required=True)


class TokenCreatedOut(TokenOut):
    token = fields.String(required=True, metadata={"description": "the bearer token; shown this once only"})
