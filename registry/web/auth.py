"""Staff sign-in for the web pages: argon2id passwords, throttled per account/address pair and per address."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, redirect, render_template, request, session, url_for

from registry import db
from registry.http.access import current_caller, note, password_version, public, staff, throttle_rule
from registry.models.base import utcnow
from registry.services import accounts, security
from registry.web.forms import LoginForm, LogoutForm

bp = Blueprint("auth", __name__, url_prefix="/auth")


def _safe_next(target: str | None) -> str:
    """Only a path on this site: an open redirect would let a phishing link borrow our login page.

    Control characters are refused too: browsers drop tabs and newlines from a Location, so "/<tab>/evil"
    would become "//evil", and a newline cannot go into a header at all.
    """
    if (target and target.startswith("/") and not target.startswith("//") and "\\" not in target
            and target.isprintable()):
        return target
    return url_for("home.index")


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    """The sign-in form; repeated failures of one name from one address, or from one address, must wait a while.

    A waiting attempt is refused before its password is checked, and the same way whether or not the name exists.
    """
    form = LoginForm()
    if request.method != "POST" or not form.validate():
        return render_template("auth/login.html", form=form, next=request.args.get("next", "")), \
            (422 if request.method == "POST" else 200)
    name = form.name.data
    wait = security.login_retry_after(db.session(), throttle_rule(), name, request.remote_addr, utcnow())
    if wait is not None:
        note("login_throttled", f"sign-in refused for {wait} s after repeated failures", account=name)
        return (render_template("auth/login.html", form=form, next=request.form.get("next", ""), retry_after=wait),
                429, {"Retry-After": str(wait)})
    user = accounts.check_password(db.session(), name, form.password.data)
    if user is None:
        note("login_failed", "wrong name or password", account=name)
        return render_template("auth/login.html", form=form, next=request.form.get("next", ""), failed=True), 200
    session.clear()
    session.permanent = True
    session.update(uid=user.id, pwv=password_version(user), at=datetime.now(UTC).timestamp())
    # Recorded under the name as typed: the pair's failures are counted under it, and this resets them.
    note("login", "signed in", account=name, user_id=user.id)
    return redirect(_safe_next(request.form.get("next")), 303)


@bp.get("/logout")
@public
def logout_page():
    """Ask before signing out: the button on this page signs out (a visitor not signed in is told so)."""
    return render_template("auth/logout.html", caller=current_caller(), form=LogoutForm())


@bp.post("/logout")
@public
def logout():
    """Sign out (a POST with a CSRF token, so no other site can do it for the user), then say so."""
    if current_caller().authenticated:
        note("logout", "signed out")
    session.clear()
    return redirect(url_for("auth.signed_out"), 303)


@bp.get("/signed-out")
@public
def signed_out():
    """The page after signing out: it says so, and offers to sign in again."""
    return render_template("auth/signed_out.html")


@bp.get("/session")
@staff
def whoami():
    """Who is signed in, and a button to sign out."""
    return render_template("auth/session.html", caller=current_caller())
