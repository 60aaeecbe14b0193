"""WSGI entry point for gunicorn: `gunicorn webapp.wsgi:app` (settings from the environment)."""

from webapp.app import create_app

app = create_app()
