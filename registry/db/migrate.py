"""Apply Alembic migrations from code (the CLI and the tests use this, never create_all())."""

from __future__ import annotations

from importlib.resources import files

from alembic import command
from alembic.config import Config


def alembic_config(database_url: str) -> Config:
    """An Alembic config for ``database_url`` that needs no alembic.ini."""
    cfg = Config()
    # The repository's migrations/, installed as the package registry.migrations (setup.cfg).
    cfg.set_main_option("script_location", str(files("registry.migrations")))
    cfg.attributes["database_url"] = database_url
    return cfg


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(database_url), revision)
