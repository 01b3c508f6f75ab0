"""Staff accounts, passwords (argon2id) and API tokens (256-bit, stored as keyed hashes); every change audited."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from registry.domain.choices import DepartmentKind
from registry.domain.moments import as_utc
from registry.domain.roles import Action, Caller, Role
from registry.models import ApiToken, Department, User
from registry.models.base import is_id, utcnow
from registry.services import audit
from registry.services.authz import authorize
from registry.services.changes import apply_changes
from registry.services.errors import Code, Conflict, Message, NotFound, ValidationFailed
from registry.services.versions import check_version

TOKEN_KEY = "token_key"
TOKEN_PREFIX = "rgy_"
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024
PASSWORDS = PasswordHasher()  # argon2id with the library's RFC 9106 defaults (memory-hard)


@cache
def _dummy_hash() -> str:
    """Verified against when the account does not exist, so a wrong name costs as long as a wrong password."""
    return PASSWORDS.hash(secrets.token_hex(16))


def token_key(secret_key: str) -> bytes:
    """The key of the token hashes, derived from the app's secret key."""
    return hmac.new(secret_key.encode(), b"registry api token v1", hashlib.sha256).digest()


def hash_token(key: bytes, token: str) -> str:
    return hmac.new(key, token.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()


def caller_for(user: User, request_id: str = "", token_id: int | None = None) -> Caller:
    return Caller(user.id, user.name, user.role.value, user.department_id, token_id, request_id)



def find_user(session: Session, ref: str | int) -> User:
    """A user by id or exact name."""
    if isinstance(ref, int) or is_id(ref):
        user = session.get(User, int(ref))
    else:
        user = session.scalar(select(User).where(User.name == ref))
    if user is None:
        raise NotFound(Message(Code.USER_NOT_FOUND, "user {user} does not exist", user=ref))
    return user


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.id)))


def _department_for(session: Session, role: Role, ref: str | int | None) -> Department | None:
    if role != Role.DEPARTMENT:
        if ref is not None:
            raise ValidationFailed(
                Message(Code.USER_DEPARTMENT_NOT_ALLOWED, "only department users belong to a department"),
                {"department": [Message(Code.DEPARTMENT_EMPTY_UNLESS_DEPARTMENT_ROLE,
                                        "must be empty unless the role is department")]})
        return None
    if ref is None:
        raise ValidationFailed(Message(Code.USER_DEPARTMENT_REQUIRED, "a department user needs a department"),
                               {"department": [Message(Code.REQUIRED_FOR_ROLE, "required for this role")]})
    if isinstance(ref, int) or is_id(ref):
        department = session.get(Department, int(ref))
    else:
        department = session.scalar(select(Department).where(Department.name == ref))
    if department is None:
        raise ValidationFailed(Message(Code.DEPARTMENT_UNKNOWN, "unknown department"), {"department": [
            Message(Code.DEPARTMENT_NOT_FOUND, "department {department} does not exist", department=ref)]})
    if department.kind != DepartmentKind.CITY:
        raise ValidationFailed(Message(Code.DEPARTMENT_NOT_GUIDING, "not a guiding department"), {"department": [
            Message(Code.DEPARTMENT_MUST_BE_GUIDING, "must be a city guiding department (市级指导(实施)部门)")]})
    return department


def _check_password(password: str) -> None:
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise ValidationFailed(Message(Code.PASSWORD_UNACCEPTABLE, "unacceptable password"), {"password": [
            Message(Code.PASSWORD_LENGTH, "must be {min} to {max} characters long",
                    min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH)]})


def _name_taken(name: str) -> Conflict:
    return Conflict(Message(Code.USER_NAME_TAKEN, "user {name} already exists", name=name),
                    {"name": [Message(Code.FIELD_TAKEN, "already taken")]})


def _flush_user(session: Session, name: str) -> None:
    try:
        session.flush()
    except IntegrityError as exc:
        raise _name_taken(name) from exc


def create_user(session: Session, caller: Caller, name: str, role: Role, department: str | int | None = None,
                password: str | None = None, reason: str | None = None) -> User:
    """Open an account; a department user is bound to one city guiding department."""
    authorize(caller, Action.USER_MANAGE)
    if session.scalar(select(User.id).where(User.name == name)) is not None:
        raise _name_taken(name)
    user = User(name=name, role=role, department=_department_for(session, role, department), disabled=False)
    if password is not None:
        _check_password(password)
        user.password_hash, user.password_changed_at = PASSWORDS.hash(password), utcnow()
    session.add(user)
    _flush_user(session, name)
    audit.record(session, caller, "create", user, None, reason)
    return user


def set_password(session: Session, caller: Caller, ref: str | int, password: str) -> User:
    """Set a user's password (argon2id); their open web sessions end with it."""
    authorize(caller, Action.USER_MANAGE)
    user = find_user(session, ref)
    _check_password(password)
    apply_changes(session, caller, user, {"password_hash": PASSWORDS.hash(password), "password_changed_at": utcnow()},
                  action="set_password")
    return user


def set_disabled(session: Session, caller: Caller, ref: str | int, disabled: bool,
                 reason: str | None = None, expected_version: int | None = None) -> User:
    """Disable (or re-enable) an account, if it is still at ``expected_version`` (None: the command line, which
    names none): its tokens and sessions stop working on the next request."""
    authorize(caller, Action.USER_MANAGE)
    user = find_user(session, ref)
    check_version(user, expected_version, lambda version, expected: Message(
        Code.USER_STALE, "user {name} is at version {version}, not {expected}; reload it and retry",
        name=user.name, version=version, expected=expected))
    apply_changes(session, caller, user, {"disabled": disabled}, reason=reason,
                  action="disable" if disabled else "enable")
    return user


def create_token(session: Session, caller: Caller, ref: str | int, label: str,
                 expires_at: datetime) -> tuple[ApiToken, str]:
    """Issue a token; the secret is returned once and only its keyed hash is stored."""
    authorize(caller, Action.TOKEN_MANAGE)
    user = find_user(session, ref)
    # In UTC: SQLite keeps a timestamp's clock time but drops its offset, so +08:00 would expire 8 h late.
    expires_at = as_utc(expires_at)
    if expires_at <= utcnow():
        raise ValidationFailed(Message(Code.TOKEN_EXPIRY_PAST, "the expiry is in the past"),
                               {"expires_at": [Message(Code.MUST_BE_FUTURE, "must be in the future")]})
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)  # 256 bits of randomness
    token = ApiToken(user=user, label=label, token_hash=hash_token(session.info[TOKEN_KEY], secret),
                     expires_at=expires_at)
    session.add(token)
    session.flush()
    audit.record(session, caller, "create", token, None)
    return token, secret


def list_tokens(session: Session, user: str | int | None = None) -> list[ApiToken]:
    stmt = select(ApiToken).order_by(ApiToken.id)
    if user is not None:
        stmt = stmt.where(ApiToken.user_id == find_user(session, user).id)
    return list(session.scalars(stmt))


def revoke_token(session: Session, caller: Caller, token_id: int, reason: str | None = None) -> ApiToken:
    """Revoke a token; the next request that presents it is refused."""
    authorize(caller, Action.TOKEN_MANAGE)
    token = session.get(ApiToken, token_id)
    if token is None:
        raise NotFound(Message(Code.TOKEN_NOT_FOUND, "token {token} does not exist", token=token_id))
    if token.revoked_at is not None:
        raise Conflict(Message(Code.TOKEN_ALREADY_REVOKED, "token {token} is already revoked", token=token_id))
    apply_changes(session, caller, token, {"revoked_at": utcnow()}, reason=reason, action="revoke")
    return token


@dataclass(frozen=True)
class TokenCheck:
    """The outcome of presenting a bearer token: a token and its user, or why it was refused."""

    token: ApiToken | None
    refusal: str | None  # token_invalid, token_expired, token_revoked, user_disabled


def check_token(session: Session, presented: str) -> TokenCheck:
    """Look the token up by its keyed hash, compare in constant time, then check expiry, revocation, account."""
    digest = hash_token(session.info[TOKEN_KEY], presented)
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == digest))
    if token is None or not hmac.compare_digest(token.token_hash, digest):
        return TokenCheck(None, "token_invalid")
    if token.revoked_at is not None:
        return TokenCheck(token, "token_revoked")
    if as_utc(token.expires_at) <= utcnow():
        return TokenCheck(token, "token_expired")
    if token.user.disabled:
        return TokenCheck(token, "user_disabled")
    return TokenCheck(token, None)


def check_password(session: Session, name: str, password: str) -> User | None:
    """The active user with this name and password, or None; takes as long whether or not the name exists."""
    user = session.scalar(select(User).where(User.name == name))
    stored = user.password_hash if user is not None and user.password_hash else _dummy_hash()
    try:
        PASSWORDS.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or user.password_hash is None or user.disabled:
        return None
    return user
