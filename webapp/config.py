"""Settings: read once from the environment into a frozen dataclass; production fails fast."""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from webapp.errors import ConfigError
from webapp.security.outbound import DEV_OUTBOUND_ALLOW, allow_from_env

__all__ = ["DEV_OUTBOUND_ALLOW", "Settings", "outbound_allow_from_env",
           "resolve_analytics_dir"]

PRODUCTION_REQUIRED = ("DATABASE_URL", "JWT_SECRET", "MASTER_KEY")
DEFAULT_HOME = ".messageflow"


@dataclass(frozen=True)
class Settings:
    """Everything the processes need to know; build it directly in tests."""

    env: str = "development"
    database_url: str | None = None
    jwt_secret: str = ""
    master_key: str = ""
    port: int = 8080
    frontend_origin: str | None = None
    redis_url: str | None = None
    home: Path = field(default_factory=lambda: Path(DEFAULT_HOME))
    # ANALYTICS_DIR: the Parquet exports' root (the Dagster export writes it, Streamlit reads
    # it); from_env resolves it (resolve_analytics_dir); left None, it is `home`/analytics.
    analytics_dir: Path = None  # type: ignore[assignment]  # set in __post_init__
    access_token_ttl_s: int = 900
    refresh_token_ttl_s: int = 30 * 86400
    rate_limit: str = "60/minute"
    auth_rate_limit: str = "10/minute"
    media_rate_limit: str = "600/minute"
    # Failed sign-ins per account (any IP), a moving window; then 429 until the oldest ages out.
    login_failure_limit: str = "10/15minutes"
    max_body_bytes: int = 1 << 20
    trusted_proxies: int = 0
    pool_min: int = 2
    pool_max: int = 20
    log_level: str = "INFO"
    # Who drains the analysis queue: "inline" (a worker thread of the web app, started by
    # batch-analyze) or "dagster" (the analysis sensor and job; `messageflow up` sets this).
    analysis_runner: str = "inline"
    # OUTBOUND_ALLOW: hosts and CIDRs that outbound requests may reach although not public.
    outbound_allow: tuple[str, ...] = ()
    # WHATSAPP_DEFAULT_KIND: what "Add number" pairs when the request names no kind: a real
    # number ("neonize") or a simulated one ("simulator"; `messageflow up` sets this).
    whatsapp_default_kind: str = "neonize"
    # MEDIA_DIR: the content-addressed media store (default <home>/media); MEDIA_MAX_BYTES caps
    # both downloads from WhatsApp and uploads by agents; MEDIA_DOWNLOAD_ATTEMPTS is when the
    # gateway stops retrying a download and the message shows "media unavailable".
    media_dir: Path = None  # type: ignore[assignment]  # set in __post_init__
    media_max_bytes: int = 16 * 1024 * 1024
    media_download_attempts: int = 6
    # SMTP_URL: the deployment's mail relay for product e-mail when a tenant has no e-mail
    # integration (smtp://, smtp+starttls://, smtps://; ?from=); PUBLIC_URL: the base of links
    # in e-mails. DELIVERY_WORKER: run the integrations' delivery worker in this web process
    # (on by default from the environment; tests start it themselves).
    smtp_url: str | None = None
    public_url: str | None = None
    delivery_worker: bool = False

    def __post_init__(self) -> None:
        if self.analytics_dir is None:  # the default of resolve_analytics_dir, under this home
            object.__setattr__(self, "analytics_dir", resolve_analytics_dir({}, Path(self.home)))
        if self.media_dir is None:
            object.__setattr__(self, "media_dir", Path(self.home) / "media")

    @property
    def production(self) -> bool:
        """True when MESSAGEFLOW_ENV=production: secure cookies, no generated secrets."""
        return self.env == "production"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read the environment; in production refuse to start without the required secrets."""
        env = dict(os.environ if environ is None else environ)
        mode = env.get("MESSAGEFLOW_ENV", "development")
        if mode == "production":
            missing = [name for name in PRODUCTION_REQUIRED if not env.get(name)]
            if missing:
                raise ConfigError(
                    "MESSAGEFLOW_ENV=production requires these environment variables: "
                    + ", ".join(missing)
                )
        home = Path(env.get("MESSAGEFLOW_HOME", DEFAULT_HOME))
        values: dict[str, Any] = {
            "env": mode,
            "database_url": env.get("DATABASE_URL") or None,
            "jwt_secret": env.get("JWT_SECRET", ""),
            "master_key": env.get("MASTER_KEY", ""),
            "port": _int(env, "PORT", 8080),
            "frontend_origin": env.get("FRONTEND_ORIGIN") or None,
            "redis_url": env.get("REDIS_URL") or None,
            "home": home,
            "analytics_dir": resolve_analytics_dir(env, home),
            "access_token_ttl_s": _int(env, "ACCESS_TOKEN_TTL", 900),
            "refresh_token_ttl_s": _int(env, "REFRESH_TOKEN_TTL", 30 * 86400),
            "rate_limit": env.get("RATE_LIMIT", "60/minute"),
            "auth_rate_limit": env.get("AUTH_RATE_LIMIT", "10/minute"),
            "media_rate_limit": env.get("MEDIA_RATE_LIMIT", "600/minute"),
            "login_failure_limit": env.get("LOGIN_FAILURE_LIMIT", "10/15minutes"),
            "max_body_bytes": _int(env, "MAX_BODY_BYTES", 1 << 20),
            "trusted_proxies": _int(env, "TRUSTED_PROXIES", 0),
            "pool_min": _int(env, "DB_POOL_MIN", 2),
            "pool_max": _int(env, "DB_POOL_MAX", 20),
            "log_level": env.get("LOG_LEVEL", "INFO"),
            "analysis_runner": _choice(env, "ANALYSIS_RUNNER", ("inline", "dagster")),
            "outbound_allow": outbound_allow_from_env(env),
            "whatsapp_default_kind": _choice(env, "WHATSAPP_DEFAULT_KIND",
                                             ("neonize", "simulator")),
            "media_dir": Path(env["MEDIA_DIR"]) if env.get("MEDIA_DIR") else home / "media",
            "media_max_bytes": _int(env, "MEDIA_MAX_BYTES", 16 * 1024 * 1024),
            "media_download_attempts": _int(env, "MEDIA_DOWNLOAD_ATTEMPTS", 6),
            "smtp_url": env.get("SMTP_URL") or None,
            "public_url": (env.get("PUBLIC_URL") or "").rstrip("/") or None,
            "delivery_worker": env.get("DELIVERY_WORKER", "1").strip().lower()
            not in ("0", "false", "no", "off"),
        }
        settings = cls(**values)
        if mode != "production" and not (settings.jwt_secret and settings.master_key):
            dev = load_dev_secrets(home)
            settings = replace(
                settings,
                jwt_secret=settings.jwt_secret or dev["JWT_SECRET"],
                master_key=settings.master_key or dev["MASTER_KEY"],
            )
        return settings


def resolve_analytics_dir(env: Mapping[str, str], home: Path | None = None) -> Path:
    """ANALYTICS_DIR, by default <home>/analytics (home: MESSAGEFLOW_HOME): the one place the
    exports' root is resolved, for Settings and for processes that do not build Settings."""
    explicit = env.get("ANALYTICS_DIR")
    if explicit:
        return Path(explicit)
    if home is None:
        home = Path(env.get("MESSAGEFLOW_HOME", DEFAULT_HOME))
    return home / "analytics"


def outbound_allow_from_env(env: Mapping[str, str]) -> tuple[str, ...]:
    """OUTBOUND_ALLOW as a list (checked); unset means loopback in development, else nothing."""
    try:
        return allow_from_env(env)
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from exc


def _choice(env: Mapping[str, str], name: str, allowed: tuple[str, ...]) -> str:
    """One of `allowed` (the first is the default when unset)."""
    raw = (env.get(name) or allowed[0]).strip().lower()
    if raw not in allowed:
        raise ConfigError(f"{name} must be one of {', '.join(allowed)}, got {raw!r}")
    return raw


def load_dev_secrets(home: Path) -> dict[str, str]:
    """Generate JWT_SECRET and MASTER_KEY once and keep them under MESSAGEFLOW_HOME (mode 600)."""
    path = home / "secrets.json"
    if path.exists():
        data: dict[str, str] = json.loads(path.read_text())
        if data.get("JWT_SECRET") and data.get("MASTER_KEY"):
            return data
    home.mkdir(parents=True, exist_ok=True)
    data = {"JWT_SECRET": secrets.token_urlsafe(48), "MASTER_KEY": secrets.token_urlsafe(32)}
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data))
    tmp.chmod(0o600)
    tmp.replace(path)
    return data
