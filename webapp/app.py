"""The Flask application factory."""

from __future__ import annotations

import secrets

from flask import Flask, Response, jsonify, render_template
from werkzeug.middleware.proxy_fix import ProxyFix

from webapp.actions.routes import bp as actions_bp
from webapp.activity.routes import bp as activity_bp
from webapp.analysis.routes import bp as analysis_bp
from webapp.audit.routes import bp as audit_bp
from webapp.auth.routes import bp as auth_bp
from webapp.canned.routes import bp as canned_bp
from webapp.config import Settings
from webapp.contacts.routes import bp as contacts_bp
from webapp.dashboard.routes import bp as dashboard_bp
from webapp.db import Database
from webapp.desk_home.routes import bp as desk_home_bp
from webapp.errors import ConfigError
from webapp.health.routes import bp as health_bp
from webapp.http.envelope import register_error_handlers
from webapp.http.guards import init_guards
from webapp.http.jsonio import ApiJSONProvider
from webapp.http.jwt import init_jwt
from webapp.http.limits import init_limits
from webapp.http.middleware import configure_logging, docs_csp, init_middleware
from webapp.http.openapi import build_document
from webapp.insights.routes import bp as insights_bp
from webapp.integrations import worker as delivery_worker
from webapp.integrations.routes import bp as integrations_bp
from webapp.labels.routes import bp as labels_bp
from webapp.llm.routes import bp as llm_bp
from webapp.media.routes import bp as media_bp
from webapp.messaging.routes import bp as messaging_bp
from webapp.notes.routes import bp as notes_bp
from webapp.notifications.routes import bp as notifications_bp
from webapp.password_reset.routes import bp as password_reset_bp
from webapp.realtime.ws import get_hub, init_realtime, stop_realtime
from webapp.security import outbound
from webapp.security.crypto import SecretBox
from webapp.tenants.routes import bp as team_bp
from webapp.whatsapp.routes import bp as whatsapp_bp
from webapp.workflows import worker as workflow_worker
from webapp.workflows.routes import bp as workflows_bp

BLUEPRINTS = (health_bp, auth_bp, team_bp, audit_bp, dashboard_bp, whatsapp_bp, llm_bp,
              analysis_bp, messaging_bp, labels_bp, canned_bp, contacts_bp, actions_bp,
              notifications_bp, activity_bp, notes_bp, insights_bp, media_bp, integrations_bp,
              password_reset_bp, desk_home_bp, workflows_bp)


def create_app(settings: Settings | None = None, database: Database | None = None) -> Flask:
    """Build the app: settings, pool, envelope, middleware, JWT, blueprints, limits."""
    settings = settings or Settings.from_env()
    if database is None:
        if not settings.database_url:
            raise ConfigError(
                "DATABASE_URL is not set. `messageflow up` / `messageflow serve` start an "
                "embedded PostgreSQL for you; or export DATABASE_URL=postgresql://..."
            )
        database = Database(settings.database_url, min_size=settings.pool_min,
                            max_size=settings.pool_max)
        database.open()
    configure_logging(settings.log_level)
    outbound.configure(settings.outbound_allow)  # the policy of every request made for a tenant

    app = Flask(__name__)
    app.json = ApiJSONProvider(app)
    app.config.update(MAX_CONTENT_LENGTH=settings.max_body_bytes, JSON_SORT_KEYS=False)
    if settings.trusted_proxies > 0:
        n = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]
    app.extensions["mf_db"] = database
    app.extensions["mf_settings"] = settings

    init_middleware(app, settings)
    init_guards(app)  # before any route: it bounds <int:...> path arguments
    init_jwt(app, settings)
    register_error_handlers(app)  # after JWTManager, so its CSRF handler is replaced (403)
    for bp in BLUEPRINTS:
        app.register_blueprint(bp)
    init_realtime(app, settings)
    init_limits(app, settings)
    if settings.delivery_worker:
        delivery_worker.start(database, delivery_worker.WorkerConfig(
            SecretBox(settings.master_key), settings.smtp_url))
        # the workflow engine runs beside the delivery queue; round-robin reads the hub's presence
        workflow_worker.start(database, online=lambda tenant: get_hub(app).online_users(tenant))

    @app.get("/api/v1/openapi.json")
    def openapi() -> Response:
        return jsonify(build_document())

    @app.get("/api/v1/docs")
    def api_docs() -> Response:
        """The readable API reference (vendored Redoc over openapi.json)."""
        nonce = secrets.token_urlsafe(16)
        html = render_template("api_docs.html", spec_url="/api/v1/openapi.json", nonce=nonce)
        resp = Response(html, mimetype="text/html")
        resp.headers["Content-Security-Policy"] = docs_csp(nonce)
        return resp

    return app


def close_app(app: Flask) -> None:
    """Close the app's pool (tests and CLI shutdown)."""
    stop_realtime(app)
    delivery_worker.stop(app.extensions["mf_db"])
    workflow_worker.stop(app.extensions["mf_db"])
    app.extensions["mf_db"].close()
