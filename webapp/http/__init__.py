"""The shared HTTP edge (Flask-bound): envelope, endpoint declarations, OpenAPI, JWT, limits."""
