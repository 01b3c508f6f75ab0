"""Real-browser end-to-end tests (a package, so its conftest does not clash with tests/conftest.py)."""
