"""Settings come from REGISTRY_ variables, with safe defaults and no committed secret."""

from __future__ import annotations

from pathlib import Path

from registry.config import Settings


def test_defaults(tmp_path: Path) -> None:
    s = Settings.from_env(tmp_path, {})
    assert s.database_url == f"sqlite:///{tmp_path / 'registry.sqlite3'}"
    assert s.admin_token is None
    assert len(s.secret_key) >= 64 and s.secret_key != Settings.from_env(tmp_path, {}).secret_key


def test_environment_overrides(tmp_path: Path) -> None:
    env = {"REGISTRY_DATABASE_URL": "postgresql://u@h/db", "REGISTRY_SECRET_KEY": "k",
           "REGISTRY_ADMIN_TOKEN": "t", "REGISTRY_MAX_CONTENT_LENGTH": "1024", "DATABASE_URL": "ignored"}
    s = Settings.from_env(tmp_path, env)
    assert (s.database_url, s.secret_key, s.admin_token, s.max_content_length) == ("postgresql://u@h/db", "k", "t", 1024)
