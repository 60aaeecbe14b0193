"""Flask-free security primitives: passwords, RBAC, secret encryption."""
