"""The Flask-served dashboard: page shells (Jinja2) that load plain ES modules from /static."""
