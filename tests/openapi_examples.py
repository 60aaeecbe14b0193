"""The success examples of the OpenAPI document, captured from the running app.

`capture(app, db)` seeds a tenant (a team of three, a device, two chats, a label, a provider...)
and calls every JSON operation once with the Flask test client, in an order where each finds
what it needs; it keeps each answer, trimmed (`trim`: lists cut to two items, long texts
shortened, tokens and secrets replaced by placeholders), under the operation's id. The few
operations it cannot reach this way have hand-written examples in
webapp/http/openapi_examples/handwritten.json. tests/webapp/http/test_openapi.py runs the capture
against the test app (every operation answers with its declared status) and checks that each
stored example is valid for its model; to refresh the stored ones:

    TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test \\
        .venv/bin/python -m tests.openapi_examples  # writes openapi_examples/captured.json
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import io
import json
import os
import re
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from tests import factories as make
from tests.webapp.integrations.receivers import HttpReceiver, http_receiver
from webapp.db import Database
from webapp.http.api import REGISTRY
from webapp.http.examples import CAPTURED, HANDWRITTEN, load

# Operations not captured: their examples are hand-written (see handwritten.json).
NOT_CAPTURED = tuple(load(HANDWRITTEN))
MAX_ITEMS = 2
MAX_TEXT = 120
_JWT = re.compile(r"^eyJ[\w-]+\.[\w-]+\.[\w-]+$")
# Keys whose values are credentials: shown as placeholders, never as captured.
_SECRET_KEYS = {"access_token": "<access token (JWT)>", "refresh_token": "<refresh token (JWT)>",
                "token": "<invitation token>", "signing_secret": "whsec_<signing secret>",
                "csrf_token": "<csrf token>",
                "invite_path": "/invite#token=<invitation token>"}


def trim(value: Any, key: str = "", depth: int = 0) -> Any:
    """A captured answer made small and safe to publish: at most MAX_ITEMS items in a list of
    the answer's top level (one in a nested list), texts cut at MAX_TEXT characters, tokens
    and secrets replaced by placeholders."""
    if isinstance(value, dict):
        return {k: trim(v, k, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [trim(v, key, depth + 1) for v in value[:MAX_ITEMS if depth <= 1 else 1]]
    if isinstance(value, str):
        if key in _SECRET_KEYS:
            return _SECRET_KEYS[key]
        if _JWT.match(value):
            return "<JWT>"
        if len(value) > MAX_TEXT:
            return value[:MAX_TEXT - 1].rstrip() + "…"
    return value


def _op_ids() -> dict[str, int]:
    return {s.name.replace(".", "_"): s.status for s in REGISTRY}


class _Recorder:
    """Calls operations as a member and keeps each first answer under its operation id."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self.status = _op_ids()
        self.examples: dict[str, Any] = {}
        self.headers: dict[str, str] = {}

    def call(self, op_id: str, method: str, url: str, body: Any = None, *,
             headers: dict[str, str] | None = None, status: int | None = None,
             **kw: Any) -> Any:
        """Call the operation; its answer must have the declared status (or `status`, another
        success it declares, kept as "<operation id> <status>"). Returns the body."""
        r = self.client.open("/api/v1" + url, method=method, json=body,
                             headers=headers if headers is not None else self.headers, **kw)
        expected = status or self.status[op_id]
        assert r.status_code == expected, (op_id, r.status_code, r.get_json())
        data = r.get_json()
        key = op_id if expected == self.status[op_id] else f"{op_id} {expected}"
        self.examples.setdefault(key, trim(data))
        return data


def _register(client: FlaskClient, email: str, name: str, tenant: str) -> make.Member:
    r = client.post("/api/v1/auth/register", json={
        "email": email, "password": make.PASSWORD, "name": name, "tenant_name": tenant})
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    return make.Member(body["user"]["id"], body["tenant"]["id"], email, "owner",
                       body["access_token"], body["refresh_token"])


def _signed(secret: str, body: bytes) -> dict[str, str]:
    """Standard Webhooks headers for an incoming webhook."""
    msg_id, ts = f"msg_{uuid.uuid4().hex}", int(time.time())
    key = base64.b64decode(secret.split("_", 1)[1])
    sig = base64.b64encode(hmac.new(key, f"{msg_id}.{ts}.".encode() + body,
                                    hashlib.sha256).digest()).decode()
    return {"webhook-id": msg_id, "webhook-timestamp": str(ts),
            "webhook-signature": f"v1,{sig}", "content-type": "application/json"}


def _integrations(call: Any, sink: HttpReceiver) -> None:
    url = f"{sink.url}/hooks/messageflow"
    slack = call("integrations_create_slack", "POST", "/integrations/slack", {
        "name": "Support channel", "webhook_url": "https://hooks.slack.com/services/T000/B000/X"})
    call("integrations_create_email", "POST", "/integrations/email", {
        "name": "Accounting mailbox", "host": "smtp.example.com", "port": 587,
        "from_address": "desk@example.com"})
    hook = call("integrations_create_webhook", "POST", "/integrations/webhook", {
        "name": "CRM", "url": url, "events": ["action_item.created"]})
    call("integrations_list_integrations", "GET", "/integrations")
    call("integrations_get_integration", "GET", f"/integrations/{hook['id']}")
    call("integrations_get_config", "GET", f"/integrations/{hook['id']}/config")
    call("integrations_update_integration", "PATCH", f"/integrations/{hook['id']}",
         {"events": ["action_item.created", "action_item.updated"]})
    test = f"/integrations/{hook['id']}/test"
    call("integrations_test_integration", "POST", test, {})
    sink.statuses.append(503)  # a second test fails: it can be replayed
    failed = call("integrations_test_integration", "POST", test, {})
    call("integrations_list_deliveries", "GET", f"/integrations/{hook['id']}/deliveries")
    call("integrations_replay_delivery", "POST", f"/deliveries/{failed['id']}/replay")
    raw = json.dumps({"type": "action_item", "description": "Call the supplier back",
                      "due_date": "2026-12-24"}).encode()
    call("integrations_incoming_webhook", "POST", f"/webhooks/incoming/{hook['id']}",
         headers=_signed(hook["signing_secret"], raw), data=raw)
    call("integrations_delete_integration", "DELETE", f"/integrations/{slack['id']}")


def capture(app: Flask, db: Database) -> dict[str, Any]:
    """Every capturable operation's trimmed answer, by operation id."""
    from webapp.media import downloads
    from webapp.whatsapp import devices
    from webapp.whatsapp.devices import PairingCode

    client = app.test_client()
    client.environ_base.update(REMOTE_ADDR="203.0.113.7", HTTP_USER_AGENT="crm-sync/1.4")
    rec = _Recorder(client)
    call = rec.call

    # Signing in.
    email = "olivia@example.com"
    reg = call("auth_register", "POST", "/auth/register", {
        "email": email, "password": make.PASSWORD, "name": "Olivia Owner",
        "tenant_name": "Acme Support"}, headers={})
    owner = make.Member(reg["user"]["id"], reg["tenant"]["id"], email, "owner",
                        reg["access_token"], reg["refresh_token"])
    t = owner.tenant_id
    rec.headers = owner.headers
    call("auth_login", "POST", "/auth/login", {"email": email, "password": make.PASSWORD},
         headers={})
    refreshed = call("auth_refresh", "POST", "/auth/refresh",
                     headers={"Authorization": f"Bearer {owner.refresh}"})
    rec.headers = {"Authorization": f"Bearer {refreshed['access_token']}"}
    call("auth_me", "GET", "/auth/me")
    call("auth_get_profile", "GET", "/auth/profile")
    call("auth_update_profile", "PATCH", "/auth/profile", {"name": "Olivia Owner"})

    # The team.
    inv = call("team_create_invitation", "POST", "/invitations",
               {"email": "marco@example.com", "role": "member"})
    call("team_list_invitations", "GET", "/invitations")
    call("team_preview_invitation", "POST", "/invitations/preview", {"token": inv["token"]},
         headers={})
    r = client.post("/api/v1/auth/register", json={
        "email": "marco@example.com", "password": make.PASSWORD, "name": "Marco Member",
        "invitation_token": inv["token"]})
    assert r.status_code == 201, r.get_json()
    marco = r.get_json()["user"]["id"]
    bruno = _register(client, "bruno@example.com", "Bruno Barros", "Barros Imports")
    inv2 = client.post("/api/v1/invitations", headers=rec.headers,
                       json={"email": "bruno@example.com", "role": "manager"}).get_json()
    call("team_accept_invitation", "POST", "/invitations/accept", {"token": inv2["token"]},
         headers=bruno.headers)
    call("auth_switch_tenant", "POST", "/auth/switch-tenant", {"tenant_id": t},
         headers=bruno.headers)
    stale = client.post("/api/v1/invitations", headers=rec.headers,
                        json={"email": "vera@example.com", "role": "viewer"}).get_json()
    call("team_revoke_invitation", "DELETE", f"/invitations/{stale['id']}")
    call("team_list_members", "GET", "/members")
    call("team_change_role", "PATCH", f"/members/{bruno.user_id}", {"role": "admin"})
    call("team_get_tenant_settings", "GET", "/tenant/settings")
    call("team_update_tenant_settings", "PATCH", "/tenant/settings",
         {"timezone": "Europe/Lisbon", "first_response_target_minutes": 30})

    # Traffic: a device and two chats.
    device = make.device(db, t, name="Front desk", jid="15550100001@s.whatsapp.net")
    ids = make.messages(db, t, make.chat([
        "Hi! Can you send the invoice for order 1042 today? We need it before Friday.",
        "Also, the second pallet arrived damaged.", "Thanks"], prefix="3EB0A1"), device_id=device)
    make.messages(db, t, [{**r, "sender_name": "Bruno"} for r in make.chat(
        ["Hello, is the shop open on Saturday?"], chat=make.BRUNO, prefix="3EB0B2")],
        device_id=device)
    conv = make.conversation(db, t)
    first = ids[0]

    # Conversations and messages.
    call("messaging_list_conversations", "GET", "/conversations?limit=2")
    call("messaging_get_conversation", "GET", f"/conversations/{conv}")
    call("messaging_update_conversation", "PATCH", f"/conversations/{conv}",
         {"assignee_id": marco, "priority": "high"})
    call("messaging_mark_read", "POST", f"/conversations/{conv}/read")
    call("messaging_list_messages", "GET", f"/conversations/{conv}/messages?limit=2")
    call("messaging_search_messages", "GET", "/messages/search?q=invoice")
    call("messaging_reply", "POST", "/messages/reply",
         {"conversation_id": conv, "text": "Sure, sending it within the hour."})
    call("messaging_forward", "POST", "/messages/forward",
         {"message_id": first, "conversation_id": make.conversation(db, t, make.BRUNO)})

    # Labels.
    label = call("labels_create_label", "POST", "/labels", {"name": "VIP", "color": "#d97706"})
    call("labels_list_labels", "GET", "/labels")
    call("labels_update_label", "PATCH", f"/labels/{label['id']}", {"name": "Key account"})
    call("labels_attach_label", "POST", f"/conversations/{conv}/labels",
         {"label_id": label["id"]})
    call("labels_attach_message_label", "POST", f"/messages/{first}/labels",
         {"label_id": label["id"]})
    call("labels_detach_message_label", "DELETE", f"/messages/{first}/labels/{label['id']}")

    # Notes, canned responses, contacts.
    note = call("notes_create_note", "POST", f"/conversations/{conv}/notes",
                {"body": "Invoice 1042 was sent on Monday; check the spam folder."})
    call("notes_list_notes", "GET", f"/conversations/{conv}/notes")
    call("notes_delete_note", "DELETE", f"/notes/{note['id']}")
    canned = call("canned_create_canned", "POST", "/canned-responses", {
        "shortcut": "hours", "title": "Opening hours",
        "body": "Hi {{contact.name}}, we are open Monday to Saturday, 9:00 to 18:00."})
    call("canned_list_canned", "GET", "/canned-responses")
    call("canned_list_variables", "GET", "/canned-responses/variables")
    call("canned_get_canned", "GET", f"/canned-responses/{canned['id']}")
    call("canned_update_canned", "PATCH", f"/canned-responses/{canned['id']}",
         {"title": "Opening hours (weekdays)"})
    call("canned_render_canned", "POST", f"/canned-responses/{canned['id']}/render",
         {"conversation_id": conv})
    call("canned_delete_canned", "DELETE", f"/canned-responses/{canned['id']}")
    contacts = call("contacts_list_contacts", "GET", "/contacts")
    contact = contacts["data"][0]["id"]
    call("contacts_get_contact", "GET", f"/contacts/{contact}")
    call("contacts_update_contact", "PATCH", f"/contacts/{contact}",
         {"notes": "Prefers e-mail for invoices.", "attributes": {"company": "Ana Lda"}})

    # Analysis (the built-in local model).
    call("analysis_analyze_message", "POST", "/messages/analyze", {"message_id": first})
    call("analysis_get_analysis", "GET", f"/messages/{first}/analysis")
    job = call("analysis_batch_analyze", "POST", "/messages/batch-analyze",
               {"conversation_id": conv})
    call("analysis_analysis_job", "GET", f"/analysis-jobs/{job['job_id']}")
    call("analysis_get_analysis_settings", "GET", "/analysis-settings")
    call("analysis_put_analysis_settings", "PUT", "/analysis-settings", {"auto_analyze": True})
    call("analysis_summarize_conversation", "POST", "/conversations/summarize",
         {"conversation_id": conv})
    call("analysis_score_conversation", "POST", f"/conversations/{conv}/score")
    call("analysis_conversation_score", "GET", f"/conversations/{conv}/score")
    call("analysis_extract_actions", "POST", "/messages/extract-actions",
         {"conversation_id": conv})
    call("insights_insights", "GET", f"/conversations/{conv}/insights")

    # Action items and comments.
    due = (dt.date.today() + dt.timedelta(days=2)).isoformat()
    item = call("actions_create_item", "POST", "/action-items", {
        "title": "Send invoice 1042 to Ana", "priority": "high", "due_date": due,
        "assignee_id": marco, "conversation_id": conv, "source_message_id": first})
    call("actions_list_items", "GET", "/action-items?limit=2")
    call("actions_get_item", "GET", f"/action-items/{item['id']}")
    call("actions_update_item", "PATCH", f"/action-items/{item['id']}",
         {"status": "in_progress"})
    comment = call("actions_create_comment", "POST", f"/action-items/{item['id']}/comments",
                   {"body": "Waiting for accounting to approve the credit note."})
    call("actions_list_comments", "GET", f"/action-items/{item['id']}/comments")
    call("actions_delete_comment", "DELETE", f"/comments/{comment['id']}")
    proposed = [i for i in client.get("/api/v1/action-items?status=proposed",
                                      headers=rec.headers).get_json()["data"]]
    if len(proposed) < 2:
        for title in ("Replace the damaged pallet", "Confirm Saturday hours"):
            proposed.append(client.post("/api/v1/action-items", headers=rec.headers, json={
                "title": title, "status": "proposed", "conversation_id": conv}).get_json())
    call("actions_accept_item", "POST", f"/action-items/{proposed[0]['id']}/accept")
    call("actions_reject_item", "POST", f"/action-items/{proposed[1]['id']}/reject")
    call("actions_delete_item", "DELETE", f"/action-items/{proposed[1]['id']}")
    call("activity_list_activity", "GET", "/team/activity?limit=2")

    # The desk's home.
    important = call("desk_home_list_important", "GET", "/important-messages")
    if important["data"]:
        imp = important["data"][0]["id"]
        call("desk_home_get_important", "GET", f"/important-messages/{imp}")
        call("desk_home_update_important", "PATCH", f"/important-messages/{imp}",
             {"status": "acknowledged"})
    day = f"/daily-summary?date={make.T0.date()}"
    call("desk_home_get_daily_summary", "GET", day, status=202)
    deadline = time.monotonic() + 30
    while client.get("/api/v1" + day, headers=rec.headers).status_code == 202:
        assert time.monotonic() < deadline, "the day summary was not generated"
        time.sleep(0.1)
    call("desk_home_get_daily_summary", "GET", day)
    call("desk_home_list_daily_summaries", "GET", "/daily-summaries")
    call("desk_home_get_dashboard", "GET", "/dashboard")

    # Notifications, audit.
    call("notifications_send_notification", "POST", "/notifications",
         {"user_id": marco, "title": "Invoice 1042", "body": "Please send it today.",
          "link": f"/conversations/{conv}"})
    r = client.post("/api/v1/auth/login", json={"email": "marco@example.com",
                                                 "password": make.PASSWORD})
    as_marco = {"Authorization": f"Bearer {r.get_json()['access_token']}"}
    got = call("notifications_list_notifications", "GET", "/notifications", headers=as_marco)
    call("notifications_unread_count", "GET", "/notifications/unread-count", headers=as_marco)
    call("notifications_mark_read", "PATCH", f"/notifications/{got['data'][0]['id']}",
         {"read": True}, headers=as_marco)
    call("notifications_read_all", "POST", "/notifications/read-all", headers=as_marco)
    call("audit_create_audit_log", "POST", "/audit-logs", {
        "action": "crm.export", "target_type": "contact", "target_id": str(contact),
        "details": {"format": "csv"}})
    call("audit_list_audit_logs", "GET", "/audit-logs?limit=2")

    # LLM providers and features.
    local = call("llm_create_provider", "POST", "/llm/providers",
                 {"name": "On-premise", "kind": "local", "is_default": True})
    spare = client.post("/api/v1/llm/providers", headers=rec.headers,
                        json={"name": "Spare", "kind": "local"}).get_json()
    pid = local["id"]
    call("llm_list_providers", "GET", "/llm/providers")
    call("llm_get_provider", "GET", f"/llm/providers/{pid}")
    call("llm_update_provider", "PATCH", f"/llm/providers/{pid}", {"requests_per_minute": 120})
    call("llm_test_provider", "POST", f"/llm/providers/{pid}/test")
    call("llm_bulk_test", "POST", "/llm/bulk-test")
    call("llm_provider_history", "GET", f"/llm/providers/{pid}/history")
    call("llm_list_features", "GET", "/llm/features")
    call("llm_assign_provider", "POST", "/llm/features/summarization/assign-provider",
         {"provider_id": pid, "priority": 1})
    client.post("/api/v1/llm/features/summarization/assign-provider", headers=rec.headers,
                json={"provider_id": spare["id"], "priority": 2})
    call("llm_feature_providers", "GET", "/llm/features/summarization/providers")
    call("llm_reorder_providers", "PUT", "/llm/features/summarization/providers",
         {"provider_ids": [spare["id"], pid]})
    call("llm_unassign_provider", "DELETE", f"/llm/features/summarization/providers/{spare['id']}")
    call("llm_delete_provider", "DELETE", f"/llm/providers/{spare['id']}")
    client.post("/api/v1/messages/analyze", headers=rec.headers, json={"message_id": ids[1]})
    call("llm_compare_providers", "GET", "/llm/providers/comparison")
    call("llm_usage", "GET", "/llm/usage")
    call("llm_costs", "GET", "/llm/costs")
    call("llm_provider_health", "GET", "/llm/health")
    call("llm_cost_breakdown", "GET", "/llm/analytics/cost-breakdown")
    call("llm_usage_by_feature", "GET", "/llm/analytics/usage-by-feature")
    call("llm_recommendations", "GET", "/llm/recommendations")

    # Integrations (the webhook's receiver is local; the example shows a public URL).
    with http_receiver() as sink:
        _integrations(call, sink)
        receiver = sink.url
    # Media: an upload, and a given-up download retried.
    png = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQ"
                           "DwAEhQGAhKmMIQAAAABJRU5ErkJggg==")
    call("media_upload_media", "POST", "/media",
         data={"file": (io.BytesIO(png), "receipt.png", "image/png")},
         content_type="multipart/form-data")
    keys = {"direct_path": "/v/t62.7118-24/abc", "media_key": "a2V5"}
    (late,) = make.messages(db, t, [make.msg("3EB0C3000001", None, 600, media={
        "type": "image", "mime": "image/jpeg", "size": 48213, "download": keys})],
        device_id=device)
    for job_ in downloads.claim(db, t, device):
        downloads.fail(db, t, job_, "download failed: 404 (gave up after 6 attempts)",
                       retry_in=None)
    call("media_retry_media", "POST", f"/messages/{late}/media/retry")

    # WhatsApp devices.
    call("whatsapp_pairing_options", "GET", "/whatsapp/pairing-options")
    phone = call("whatsapp_create_device", "POST", "/whatsapp/devices",
                 {"display_name": "Sales phone", "pair_phone": "5511999990009"})
    call("whatsapp_list_devices", "GET", "/whatsapp/devices")
    call("whatsapp_get_device", "GET", f"/whatsapp/devices/{device}")
    devices.store_pair_code(db, t, phone["id"], PairingCode("ABCD-EFGH"))
    call("whatsapp_device_pair_code", "GET", f"/whatsapp/devices/{phone['id']}/pair-code")
    task = call("whatsapp_sync_contacts", "POST", f"/whatsapp/devices/{device}/sync-contacts")
    call("whatsapp_get_device_request", "GET", f"/whatsapp/device-requests/{task['id']}")
    call("whatsapp_logout_device", "POST", f"/whatsapp/devices/{phone['id']}/logout")
    call("whatsapp_delete_device", "DELETE", f"/whatsapp/devices/{phone['id']}")

    # Workflows.
    call("workflows_get_vocabulary", "GET", "/workflows/vocabulary")
    definition = {
        "trigger": {"type": "message.received"},
        "conditions": {"any": [{"type": "text_matches", "pattern": "invoice"}]},
        "actions": [{"type": "create_action_item", "title": "Invoice: {{message.text}}"}]}
    wf = call("workflows_create_workflow", "POST", "/workflows",
              {"name": "Invoice requests", **definition})
    call("workflows_list_workflows", "GET", "/workflows")
    call("workflows_get_workflow", "GET", f"/workflows/{wf['id']}")
    call("workflows_update_workflow", "PATCH", f"/workflows/{wf['id']}", {"enabled": False})
    call("workflows_test_workflow", "POST", f"/workflows/{wf['id']}/test", {"last": 2})
    call("workflows_test_definition", "POST", "/workflows/test", {**definition, "last": 2})
    call("workflows_list_executions", "GET", f"/workflows/{wf['id']}/executions")
    call("workflows_delete_workflow", "DELETE", f"/workflows/{wf['id']}")

    # Leaving: the label, the member; password reset; the sessions.
    call("labels_detach_label", "DELETE", f"/conversations/{conv}/labels/{label['id']}")
    call("labels_delete_label", "DELETE", f"/labels/{label['id']}")
    call("team_remove_member", "DELETE", f"/members/{bruno.user_id}")
    call("password_reset_request_reset", "POST", "/auth/password-reset",
         {"email": "marco@example.com"}, headers={})
    call("auth_change_password", "POST", "/auth/password",
         {"current_password": make.PASSWORD, "new_password": "a brand new passphrase"})
    r = client.post("/api/v1/auth/login", json={"email": email,
                                                 "password": "a brand new passphrase"})
    rec.headers = {"Authorization": f"Bearer {r.get_json()['access_token']}"}
    call("auth_logout", "POST", "/auth/logout")
    r = client.post("/api/v1/auth/login", json={"email": email,
                                                 "password": "a brand new passphrase"})
    rec.headers = {"Authorization": f"Bearer {r.get_json()['access_token']}"}
    call("auth_logout_all", "POST", "/auth/logout-all")
    shown = json.dumps(rec.examples).replace(receiver, "https://crm.example.com")
    out: dict[str, Any] = json.loads(shown)
    return out


def json_operations() -> set[str]:
    """The ids of the operations whose success answer is a JSON body."""
    return {s.name.replace(".", "_") for s in REGISTRY
            if s.media_type == "application/json" and s.status != 101}


def main() -> None:
    """Capture into a fresh database of TEST_DATABASE_URL and write CAPTURED."""
    from tests.conftest import create_db, drop_db, dsn_for
    from webapp.app import close_app, create_app
    from webapp.db.migrate import migrate

    admin = os.environ["TEST_DATABASE_URL"]
    name = f"mf_examples_{os.getpid()}"
    drop_db(admin, name)
    create_db(admin, name)
    try:
        url = dsn_for(admin, name)
        migrate(url)
        app = create_app(make.make_settings(url, Path(tempfile.mkdtemp())))
        try:
            examples = capture(app, app.extensions["mf_db"])
        finally:
            close_app(app)
    finally:
        drop_db(admin, name)
    missing = json_operations() - set(examples) - set(NOT_CAPTURED)
    lines = [f"{json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}"
             for k, v in sorted(examples.items())]  # one line per operation
    CAPTURED.write_text("{\n" + ",\n".join(lines) + "\n}\n")
    print(f"{len(examples)} examples -> {CAPTURED}; not covered: {sorted(missing)}")


if __name__ == "__main__":
    main()
