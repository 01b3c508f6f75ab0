"""The session cookie's signer (registry.web.SessionCookies) is made once per app and follows its secret key."""

from __future__ import annotations

from flask import Flask

from tests.pages import login


def test_one_signer_serves_every_request_until_the_key_changes(app: Flask) -> None:
    client = app.test_client()
    login(client, "admin")
    signer = app.session_interface.get_signing_serializer(app)
    assert client.get("/console/").status_code == 200
    assert client.get("/api/v1/powers").status_code == 200
    assert app.session_interface.get_signing_serializer(app) is signer
    app.secret_key = "another-secret-key-for-this-test-only-0123456789abcdef"
    assert app.session_interface.get_signing_serializer(app) is not signer
    assert client.get("/console/").status_code == 302  # the cookie was signed with the old key: signed out
    app.config["SECRET_KEY_FALLBACKS"] = [signer.secret_keys[-1]]  # the old key, kept to read old cookies
    assert client.get("/console/").status_code == 200
