"""/api/v1/users, /api/v1/tokens and /api/v1/me: accounts and tokens, managed by admins, every change audited."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import current_app

from registry import db
from registry.api.blueprint import BEARER, Blueprint, etag_header
from registry.domain.roles import Role
from registry.http.access import current_caller, roles, staff
from registry.http.etag import expected_version, not_modified, with_etag
from registry.models.base import MAX_ID, utcnow
from registry.schemas.users import OptionalReason, TokenCreate, TokenCreatedOut, TokenOut, UserCreate, UserOut
from registry.services import accounts

blp = Blueprint("users", __name__, url_prefix="/api/v1", description="Staff accounts and API tokens")
admin = roles(Role.ADMIN)
USER = f"/users/<int(max={MAX_ID}):user_id>"
TOKEN = f"/tokens/<int(max={MAX_ID}):token_id>"


@blp.get("/me")
@staff
@blp.doc(security=BEARER)
@blp.response(200, UserOut)
def me():
    """The account this request is authenticated as."""
    return accounts.find_user(db.session(), current_caller().user_id)


@blp.get("/users")
@admin
@blp.doc(security=BEARER)
@blp.response(200, UserOut(many=True))
def list_users():
    """Every staff account, disabled ones included."""
    return accounts.list_users(db.session())


@blp.get(USER)
@admin
@blp.doc(security=BEARER)
@blp.response(200, UserOut, headers=etag_header("the account"))
@blp.alt_response(304, description="Not modified")
def get_user(user_id: int):
    """One staff account; its ETag is what disable and enable expect in If-Match."""
    user = accounts.find_user(db.session(), user_id)
    return not_modified(user.version) or with_etag(user)


@blp.post("/users")
@admin
@blp.doc(security=BEARER)
@blp.arguments(UserCreate)
@blp.response(201, UserOut, headers=etag_header("the account"))
def create_user(data: dict[str, Any]):
    """Open a staff account; a department user names its city guiding department."""
    session = db.session()
    user = accounts.create_user(session, current_caller(), data["name"], data["role"], data.get("department"),
                                data.get("password"), data.get("reason"))
    session.commit()
    return with_etag(user, 201)


def _set_disabled(user_id: int, disabled: bool, body: dict[str, Any]):
    session = db.session()
    user = accounts.set_disabled(session, current_caller(), user_id, disabled, body.get("reason"), expected_version())
    session.commit()
    return with_etag(user)


@blp.post(f"{USER}/disable")
@admin
@blp.versioned_write("this account", "user.stale")
@blp.arguments(OptionalReason)
@blp.response(200, UserOut, headers=etag_header("the account"))
def disable_user(body: dict[str, Any], user_id: int):
    """Disable an account, sending its ETag: its tokens and web sessions stop working on their next request."""
    return _set_disabled(user_id, True, body)


@blp.post(f"{USER}/enable")
@admin
@blp.versioned_write("this account", "user.stale")
@blp.arguments(OptionalReason)
@blp.response(200, UserOut, headers=etag_header("the account"))
def enable_user(body: dict[str, Any], user_id: int):
    """Re-enable a disabled account, sending its ETag."""
    return _set_disabled(user_id, False, body)


@blp.get(f"{USER}/tokens")
@admin
@blp.doc(security=BEARER)
@blp.response(200, TokenOut(many=True))
def list_tokens(user_id: int):
    """A user's tokens (never the secrets), revoked and expired ones included."""
    return accounts.list_tokens(db.session(), user_id)


@blp.post(f"{USER}/tokens")
@admin
@blp.doc(security=BEARER)
@blp.arguments(TokenCreate)
@blp.response(201, TokenCreatedOut)
def create_token(data: dict[str, Any], user_id: int):
    """Issue a token for a user; the response is the only time the token is shown."""
    session = db.session()
    days = current_app.config["REGISTRY_SETTINGS"].token_default_days
    expires_at = data.get("expires_at") or utcnow() + timedelta(days=days)
    token, secret = accounts.create_token(session, current_caller(), user_id, data["label"], expires_at)
    session.commit()
    return {"id": token.id, "user": token.user, "label": token.label, "expires_at": token.expires_at,
            "revoked_at": None, "created_at": token.created_at, "token": secret}


@blp.post(f"{TOKEN}/revoke")
@admin
@blp.doc(security=BEARER)
@blp.arguments(OptionalReason)
@blp.response(200, TokenOut)
def revoke_token(body: dict[str, Any], token_id: int):
    """Revoke a token; the next request that presents it gets 401."""
    session = db.session()
    token = accounts.revoke_token(session, current_caller(), token_id, body.get("reason"))
    session.commit()
    return token
