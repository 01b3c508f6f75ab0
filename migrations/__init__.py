"""Alembic migrations, hand-reviewed; installed as registry.migrations."""
