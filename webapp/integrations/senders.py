"""Sending one delivery: Slack (incoming webhook or chat.postMessage), SMTP, signed webhooks.

Every HTTP request goes through webapp.security.outbound_http (the outbound policy checked at
connect time, no redirects followed, no proxy); SMTP through webapp.mail.smtp (same policy). A
receiver's response body is never stored or shown: only the status code and a short reason.
"""

from __future__ import annotations

import json
import time
from typing import Any

import httpx

from webapp.integrations import signing
from webapp.integrations.queue import Outcome
from webapp.integrations.secrets import Settings
from webapp.mail import smtp
from webapp.security import outbound, outbound_http

TIMEOUT = httpx.Timeout(15.0, connect=5.0)
USER_AGENT = "MessageFlow-Webhooks/1"

_client: httpx.Client | None = None


def client() -> httpx.Client:
    """The process's policy-checked HTTP client (shared by every tenant; it keeps no state)."""
    global _client
    if _client is None:
        _client = outbound_http.policy_client(timeout=TIMEOUT)
    return _client


def text_of(payload: dict[str, Any]) -> str:
    """The human text of a payload (Slack message, e-mail body)."""
    return str(payload.get("text") or payload.get("summary") or json.dumps(payload)[:3000])


def _http(method: str, url: str, *, content: bytes, headers: dict[str, str],
          ok: Any = None) -> Outcome:
    started = time.monotonic()
    try:
        resp = client().request(method, url, content=content,
                                headers={"content-type": "application/json",
                                         "user-agent": USER_AGENT, **headers})
    except outbound.OutboundRefused as exc:
        return Outcome(False, None, f"refused by the outbound policy: {exc.message}",
                       _ms(started))
    except httpx.HTTPError as exc:
        return Outcome(False, None, f"request failed: {type(exc).__name__}", _ms(started))
    duration = _ms(started)
    if not 200 <= resp.status_code < 300:
        return Outcome(False, resp.status_code, f"HTTP {resp.status_code}", duration)
    if ok is not None:
        error = ok(resp)
        if error:
            return Outcome(False, resp.status_code, error, duration)
    return Outcome(True, resp.status_code, None, duration)


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def slack_body(payload: dict[str, Any], channel: str | None = None) -> dict[str, Any]:
    """Slack's message shape: `text` (the fallback and notification text), optional blocks."""
    body: dict[str, Any] = {"text": text_of(payload)[:3000]}
    if payload.get("blocks"):
        body["blocks"] = payload["blocks"]
    if channel:
        body["channel"] = channel
    return body


def _slack_api_ok(resp: httpx.Response) -> str | None:
    """chat.postMessage answers 200 with {"ok": false, "error": ...} on failure."""
    try:
        data = resp.json()
    except ValueError:
        return "Slack answered something that is not JSON"
    if not isinstance(data, dict) or data.get("ok") is not True:
        error = data.get("error") if isinstance(data, dict) else None
        return f"Slack refused the message: {str(error)[:80]}" if error else "Slack said not ok"
    return None


def send_slack(s: Settings, payload: dict[str, Any]) -> Outcome:
    """An incoming-webhook POST, or chat.postMessage with the bot token."""
    if s.config.get("mode") == "bot":
        body = json.dumps(slack_body(payload, s.config["channel"])).encode()
        url = s.config["api_base"].rstrip("/") + "/chat.postMessage"
        return _http("POST", url, content=body, ok=_slack_api_ok,
                     headers={"authorization": f"Bearer {s.secrets['bot_token']}",
                              "content-type": "application/json; charset=utf-8"})
    return _http("POST", s.secrets["webhook_url"], content=json.dumps(slack_body(payload))
                 .encode(), headers={})


def webhook_body(event_type: str, payload: dict[str, Any], timestamp: float) -> bytes:
    """The JSON a webhook receiver gets: {"type", "timestamp", "data"}."""
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(timestamp))
    return json.dumps({"type": event_type, "timestamp": stamp, "data": payload},
                      separators=(",", ":")).encode()


def send_webhook(s: Settings, message_id: str, event_type: str,
                 payload: dict[str, Any]) -> Outcome:
    """A JSON POST signed in the Standard Webhooks scheme."""
    now = int(time.time())
    body = webhook_body(event_type, payload, now)
    headers = signing.sign_headers(s.secrets["signing_secret"], message_id, body, now)
    return _http("POST", s.config["url"], content=body, headers=headers)


def smtp_config(s: Settings) -> smtp.SmtpConfig:
    """The SMTP settings of an e-mail integration."""
    c = s.config
    return smtp.SmtpConfig(host=c["host"], port=int(c["port"]), tls=c["tls"],
                           sender=c["from_address"], username=c.get("username") or None,
                           password=s.secrets.get("password"))


def send_email(config: smtp.SmtpConfig, payload: dict[str, Any]) -> Outcome:
    """One e-mail: payload {"to", "to_name"?, "subject", "text"}."""
    started = time.monotonic()
    mail = smtp.Mail(to=payload["to"], to_name=payload.get("to_name", ""),
                     subject=payload.get("subject") or "MessageFlow", text=text_of(payload))
    try:
        smtp.send(config, mail)
    except outbound.OutboundRefused as exc:
        return Outcome(False, None, f"refused by the outbound policy: {exc.message}",
                       _ms(started))
    except smtp.SmtpFailed as exc:
        return Outcome(False, exc.code, exc.message, _ms(started))
    return Outcome(True, 250, None, _ms(started))
