"""An integration's settings and secrets: validation, where the secrets go, encryption, masks.

Secrets (a Slack incoming-webhook URL, which carries its token; a bot token; an SMTP password; a
webhook signing secret) are one JSON object encrypted with SecretBox under MASTER_KEY and bound
to the tenant; the API only ever shows masked hints. `destination` is where they are sent
(scheme://host:port; for a signing secret, where the signed messages go): an edit that moves it
needs the secret again in the same request, as for LLM provider keys
(webapp/llm/destinations.py), so nobody who may edit an integration can redirect a stored
secret to a host of their choosing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from webapp.errors import DependencyDown, ValidationFailed
from webapp.integrations import signing
from webapp.mail.smtp import DEFAULT_PORTS
from webapp.security import outbound
from webapp.security.crypto import SecretBox, WrongMasterKey, mask

SLACK_API = "https://slack.com/api"
SECRET_FIELDS = {"slack": ("webhook_url", "bot_token"), "email": ("password",),
                 "webhook": ("signing_secret",)}
TYPE_FIELDS = {
    "slack": {"webhook_url", "bot_token", "channel", "api_base"},
    "email": {"host", "port", "tls", "username", "password", "from_address"},
    "webhook": {"url", "events", "signing_secret", "rotate_secret"},
}
COMMON_FIELDS = {"name", "active"}


class SecretUnreadable(DependencyDown):
    """Stored secrets cannot be decrypted with this MASTER_KEY (503, never a fallback)."""

    code = "secret_unreadable"


@dataclass
class Settings:
    """What an integration is configured with (`config` is shown; `secrets` never)."""

    type: str
    config: dict[str, Any]
    secrets: dict[str, str] = field(default_factory=dict)
    generated_secret: str | None = None  # a signing secret made here, shown once


def aad(tenant_id: int) -> str:
    """Associated data binding an integration's secrets to its tenant."""
    return f"integration_secrets:tenant:{int(tenant_id)}"


def seal(box: SecretBox, tenant_id: int, secrets: dict[str, str]) -> str | None:
    """The encrypted secrets (None when there are none)."""
    return box.encrypt(json.dumps(secrets), aad(tenant_id)) if secrets else None


def unseal(box: SecretBox, tenant_id: int, token: str | None, integration_id: int
           ) -> dict[str, str]:
    """The plaintext secrets, or SecretUnreadable."""
    if not token:
        return {}
    try:
        value: dict[str, str] = json.loads(box.decrypt(token, aad(tenant_id)))
    except WrongMasterKey as exc:
        raise SecretUnreadable(
            "The integration's secrets cannot be decrypted: MASTER_KEY does not match the key "
            "they were stored under. Restore the right MASTER_KEY or enter them again.",
            details={"integration_id": integration_id}) from exc
    return value


def hints(secrets: dict[str, str]) -> dict[str, str]:
    """Masked hints of the secrets (a URL keeps its host: `https://hooks.slack.com/…abcd`)."""
    out = {}
    for name, value in secrets.items():
        if value.startswith(("http://", "https://")):
            try:
                dest = outbound.destination(value)
                out[name] = f"{dest.scheme}://{dest.host}/…{value[-4:]}"
                continue
            except ValueError:
                pass
        out[name] = mask(value)
    return out


def _refused(name: str, exc: outbound.OutboundRefused) -> ValidationFailed:
    return ValidationFailed(f"{name} is not allowed: {exc.message}", code="destination_refused",
                            details={"fields": {name: exc.message}})


def check_url(name: str, url: str) -> str:
    """The save-time outbound check of a URL (400 naming the field when refused)."""
    try:
        outbound.current().check_url(url)
    except outbound.OutboundRefused as exc:
        raise _refused(name, exc) from exc
    return url.strip()


def check_host(name: str, host: str, port: int) -> None:
    """The save-time outbound check of an SMTP host (a refused literal address is a 400)."""
    try:
        outbound.current().check_url(f"https://{host}:{port}/")
    except outbound.OutboundRefused as exc:
        raise _refused(name, exc) from exc


def destination(s: Settings) -> str | None:
    """Where the secrets go (scheme://host:port), or None when there are none."""
    c = s.config
    if s.type == "email":
        return f"smtp://{c['host']}:{c['port']}"
    if s.type == "slack":
        url = s.secrets.get("webhook_url") if c.get("mode") == "webhook" else c.get("api_base")
    else:
        url = c.get("url")
    try:
        return str(outbound.destination(url)) if url else None
    except ValueError:
        return url


def check_signing_secret(value: str) -> str:
    """A `whsec_` secret (400 naming signing_secret when it is not one)."""
    try:
        signing.secret_key(value)
    except ValueError as exc:
        raise ValidationFailed(f"signing_secret {exc}.",
                               details={"fields": {"signing_secret": str(exc)}}) from exc
    return value


def build(kind: str, values: dict[str, Any], old: Settings | None = None) -> Settings:
    """The settings of a new integration, or of `old` with `values` (a PATCH) applied,
    validated as a whole; the outbound policy checks every URL and host at save time."""
    allowed = TYPE_FIELDS[kind] | COMMON_FIELDS
    unknown = sorted(set(values) - allowed)
    if unknown:
        raise ValidationFailed(f"Not a field of {kind} integrations: {', '.join(unknown)}.",
                               details={"fields": dict.fromkeys(unknown,
                                                                f"not a {kind} field")})
    config = dict(old.config) if old else {}
    secrets = dict(old.secrets) if old else {}
    s = Settings(kind, config, secrets)
    {"slack": _slack, "email": _email, "webhook": _webhook}[kind](s, values)
    return s


def _slack(s: Settings, v: dict[str, Any]) -> None:
    if v.get("webhook_url") is not None:
        s.config = {"mode": "webhook"}
        s.secrets = {"webhook_url": check_url("webhook_url", v["webhook_url"])}
    elif v.get("bot_token") is not None:
        s.config = {"mode": "bot", "channel": s.config.get("channel"),
                    "api_base": s.config.get("api_base") or SLACK_API}
        s.secrets = {"bot_token": v["bot_token"]}
    for name in ("channel", "api_base"):
        if name in v:
            if s.config.get("mode") != "bot":
                raise ValidationFailed(f"{name} applies to bot-token integrations only.",
                                       details={"fields": {name: "give bot_token too"}})
            s.config[name] = (check_url(name, v[name]) if name == "api_base" and v[name]
                              else v[name]) or (SLACK_API if name == "api_base" else None)
    if s.config.get("mode") == "bot":
        check_url("api_base", s.config["api_base"])
        if not s.config.get("channel"):
            raise ValidationFailed("A bot token needs a channel.",
                                   details={"fields": {"channel": "required with bot_token"}})
    if not s.secrets:
        raise ValidationFailed("Give webhook_url, or bot_token with channel.",
                               details={"fields": {"webhook_url": "required"}})


def _email(s: Settings, v: dict[str, Any]) -> None:
    c = s.config
    for name in ("host", "tls", "username", "from_address"):
        if name in v:
            c[name] = v[name]
    c.setdefault("tls", "starttls")
    if "port" in v or "port" not in c:
        c["port"] = v.get("port") or DEFAULT_PORTS[c["tls"]]
    for name in ("host", "from_address"):
        if not c.get(name):
            raise ValidationFailed(f"{name} is required.", details={"fields": {name: "required"}})
    check_host("host", c["host"], int(c["port"]))
    if "password" in v:
        s.secrets = {"password": v["password"]} if v["password"] else {}


def _webhook(s: Settings, v: dict[str, Any]) -> None:
    if v.get("url") is not None:
        s.config["url"] = check_url("url", v["url"])
    if v.get("events") is not None:
        s.config["events"] = sorted(set(v["events"]))
    s.config.setdefault("events", ["*"])
    if not s.config.get("url"):
        raise ValidationFailed("url is required.", details={"fields": {"url": "required"}})
    if v.get("signing_secret"):
        s.secrets = {"signing_secret": check_signing_secret(v["signing_secret"])}
    elif v.get("rotate_secret") or not s.secrets.get("signing_secret"):
        s.generated_secret = signing.new_secret()
        s.secrets = {"signing_secret": s.generated_secret}


def require_secret_to_move(old: Settings, new: Settings, values: dict[str, Any]) -> None:
    """A stored secret may only follow a new destination if the caller gives it again."""
    before, after = destination(old), destination(new)
    if before == after or not old.secrets:
        return
    names = SECRET_FIELDS[old.type]
    if any(values.get(n) for n in names) or values.get("rotate_secret"):
        return
    field_name = next(n for n in names if n in old.secrets)
    raise ValidationFailed(
        f"This change sends the integration's {field_name} to {after} instead of {before}: "
        f"give {field_name} again in the same request.", code="secret_required",
        details={"fields": {field_name: "required when the secret's destination changes"},
                 "secret_destination": {"before": before, "after": after}})


def summary(kind: str, config: dict[str, Any], hint: dict[str, str]) -> str:
    """One line saying where the integration delivers."""
    if kind == "slack":
        if config.get("mode") == "bot":
            host = outbound.destination(config["api_base"]).host
            return f"{config.get('channel')} via chat.postMessage ({host})"
        return f"Incoming webhook {hint.get('webhook_url', '')}"
    if kind == "email":
        return (f"From {config.get('from_address')} via {config.get('host')}:"
                f"{config.get('port')} ({config.get('tls')})")
    events = ", ".join(config.get("events") or ["*"])
    return f"POST {config.get('url')} ({events})"
