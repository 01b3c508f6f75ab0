"""Settings come from REGISTRY_ variables, with safe defaults and no committed secret."""

from __future__ import annotations

import stat
from pathlib import Path

from registry.config import Settings


def test_defaults_keep_generated_secrets_in_the_instance_folder(tmp_path: Path) -> None:
    s = Settings.from_env(tmp_path, {})
    assert s.database_url == f"sqlite:///{tmp_path / 'registry.sqlite3'}"
    assert len(s.secret_key) >= 64 and len(s.audit_key) >= 64 and s.secret_key != s.audit_key
    # Every worker and every restart reads the same keys: sessions, tokens and the trail stay valid.
    again = Settings.from_env(tmp_path, {})
    assert (again.secret_key, again.audit_key) == (s.secret_key, s.audit_key)
    for name in ("secret_key", "audit_key", "checkpoint_key.pem"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600
    assert Settings.from_env(tmp_path / "other", {}).secret_key != s.secret_key


def test_environment_overrides(tmp_path: Path) -> None:
    env = {"REGISTRY_DATABASE_URL": "postgresql://u@h/db", "REGISTRY_SECRET_KEY": "k", "REGISTRY_AUDIT_KEY": "a",
           "REGISTRY_MAX_CONTENT_LENGTH": "1024", "REGISTRY_LOGIN_FAILURES_PER_PAIR": "5",
           "REGISTRY_RESPONSE_CACHE_BYTES": "0", "REGISTRY_MIN_FREE_MIB": "64", "DATABASE_URL": "ignored"}
    s = Settings.from_env(tmp_path, env)
    assert (s.database_url, s.secret_key, s.audit_key, s.max_content_length, s.login_failures_per_pair,
            s.response_cache_bytes, s.min_free_mib) == ("postgresql://u@h/db", "k", "a", 1024, 5, 0, 64)
    assert not (tmp_path / "secret_key").exists()
