"""The WSGI entry point: `gunicorn wsgi:app`. The only module-level app."""

from registry import create_app

app = create_app()
