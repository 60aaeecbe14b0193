"""Simulated pairing: "Add number" observable end to end without WhatsApp. A simulator device
added through the API is paired by the gateway with rotating QR codes, then connects; the
device row, the QR as SVG and the whatsapp.device frames the socket sends follow it. Demo
devices (created connected) and neonize devices are untouched."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.factories import Member, add_member, make_settings, register_owner
from webapp.app import close_app, create_app
from webapp.db import Database
from webapp.realtime.service import events_since
from webapp.whatsapp.results import DeviceStatusChange
from webapp.whatsapp.runner import GatewayRunner, RunnerConfig
from webapp.whatsapp.simulated_pairing import (
    PairingTimes,
    SimulatedPairing,
    needs_pairing,
    simulated_jid,
)

T = TypeVar("T")
DEVICES = "/api/v1/whatsapp/devices"


def wait_for(check: Callable[[], T], timeout: float = 10.0) -> T:
    deadline = time.monotonic() + timeout
    while not (value := check()):
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)
    return value


def test_pairing_rotates_the_qr_then_pairs() -> None:
    reports: list[DeviceStatusChange] = []
    paired = threading.Event()
    jids: list[str] = []

    def on_paired(jid: str) -> None:
        jids.append(jid)
        paired.set()

    pairing = SimulatedPairing(7, reports.append, on_paired, PairingTimes(0.05, 0.3))
    pairing.start()
    assert paired.wait(5)
    assert jids == [simulated_jid(7)] == ["155500000007@s.whatsapp.net"]
    assert len(reports) >= 3 and all(r.status == "pairing" and r.event == "qr" for r in reports)
    payloads = [r.qr for r in reports]
    assert len(set(payloads)) == len(payloads)  # a new code each time
    assert all(p and p.startswith("2@SIMULATED-7-") for p in payloads)


def test_a_stopped_pairing_never_connects() -> None:
    paired: list[str] = []
    pairing = SimulatedPairing(8, lambda _c: None, paired.append, PairingTimes(0.05, 0.5))
    pairing.start()
    time.sleep(0.1)
    pairing.stop()
    time.sleep(0.6)
    assert paired == []


def test_who_pairs() -> None:
    assert needs_pairing("simulator", None, "pending")
    assert needs_pairing("simulator", None, "pairing")
    assert not needs_pairing("simulator", None, "connected")  # demo/replay devices
    assert not needs_pairing("simulator", "155500000001@s.whatsapp.net", "pairing")
    assert not needs_pairing("neonize", None, "pending")


@pytest.fixture
def runner(db: Database, tmp_path: Path) -> Iterator[GatewayRunner]:
    """A gateway on this module's database (only simulator devices are made here)."""
    def no_whatsapp(_runner: GatewayRunner) -> Any:
        raise RuntimeError("no real WhatsApp here")  # real devices of other tests: given up

    gateway = GatewayRunner(db, RunnerConfig(
        poll_interval=0.05, outbox_interval=0.05, home=tmp_path,
        simulated_pairing=PairingTimes(qr_interval=0.25, pair_after=1.2)),
        process_due=lambda *a, **k: 0, neonize_factory=no_whatsapp)
    gateway.start()
    yield gateway
    gateway.stop()


@pytest.fixture(scope="module")
def sim_app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The app as `messageflow up` runs it: "Add number" pairs a simulated number."""
    application = create_app(make_settings(database_url, tmp_path_factory.mktemp("sim"),
                                           whatsapp_default_kind="simulator"))
    yield application
    close_app(application)


def _device(client: FlaskClient, who: Member, device_id: int) -> dict[str, Any]:
    r = client.get(f"{DEVICES}/{device_id}", headers=who.headers)
    assert r.status_code == 200
    body: dict[str, Any] = r.get_json()
    return body


def test_add_number_pairs_and_connects_end_to_end(sim_app: Flask, db: Database,
                                                  runner: GatewayRunner) -> None:
    client = sim_app.test_client()
    owner = register_owner(client, "Pairing Co")
    options = client.get("/api/v1/whatsapp/pairing-options", headers=owner.headers).get_json()
    assert options == {"default_kind": "simulator", "kinds": ["neonize", "simulator"]}
    made = client.post(DEVICES, headers=owner.headers, json={"display_name": "Front desk"})
    assert made.status_code == 201, made.get_json()
    device = made.get_json()
    assert (device["kind"], device["simulated"], device["status"]) == (
        "simulator", True, "pending")
    did = device["id"]
    pairing = wait_for(lambda: (d := _device(client, owner, did))["has_qr"] and d)
    assert pairing["status"] == "pairing" and pairing["jid"] is None
    svg = client.get(f"{DEVICES}/{did}/qr", headers=owner.headers)
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    assert svg.get_data(as_text=True).lstrip().startswith(("<?xml", "<svg"))
    first_qr_at = pairing["qr_updated_at"]
    wait_for(lambda: _device(client, owner, did)["qr_updated_at"] != first_qr_at)  # rotated
    connected = wait_for(lambda: (d := _device(client, owner, did))["status"] == "connected"
                         and d)
    assert connected["jid"] == simulated_jid(did) and connected["has_qr"] is False
    assert connected["simulated"] is True and connected["last_seen"]
    assert client.get(f"{DEVICES}/{did}/qr", headers=owner.headers).status_code == 404
    # what the socket sends (and replays on reconnect): the device frames, in order
    frames = [f for f in events_since(db, owner.tenant_id, 0, 500)
              if f["type"] == "whatsapp.device" and f["data"]["id"] == did]
    kinds = [f["data"].get("event") for f in frames]
    assert kinds[0] == "created" and kinds[-1] == "pair_success"
    assert kinds.count("qr") >= 2
    assert frames[-1]["data"]["status"] == "connected"
    assert frames[-1]["data"]["simulated"] is True
    assert "qr_payload" not in str(frames)  # the payload itself only through the admin route


def test_logging_out_during_pairing_stops_it(sim_app: Flask, runner: GatewayRunner) -> None:
    client = sim_app.test_client()
    owner = register_owner(client, "Changed Mind Co")
    did = client.post(DEVICES, headers=owner.headers,
                      json={"display_name": "Spare"}).get_json()["id"]
    wait_for(lambda: _device(client, owner, did)["status"] == "pairing")
    assert client.post(f"{DEVICES}/{did}/logout", headers=owner.headers).status_code == 200
    # Removed while pairing, the other one never comes back either.
    other = client.post(DEVICES, headers=owner.headers,
                        json={"display_name": "Spare 2"}).get_json()["id"]
    wait_for(lambda: _device(client, owner, other)["status"] == "pairing")
    assert client.delete(f"{DEVICES}/{other}", headers=owner.headers).status_code == 200
    time.sleep(1.6)  # past the pairing time
    gone = _device(client, owner, did)
    assert (gone["status"], gone["jid"]) == ("logged_out", None)
    listed = client.get(DEVICES, headers=owner.headers).get_json()["data"]
    assert [d["id"] for d in listed] == [did]


def test_kind_and_roles(sim_app: Flask, client: FlaskClient) -> None:
    sim = sim_app.test_client()
    owner = register_owner(sim, "Kinds Co")
    real = sim.post(DEVICES, headers=owner.headers,
                    json={"display_name": "Real", "kind": "neonize"}).get_json()
    assert (real["kind"], real["simulated"]) == ("neonize", False)
    by_phone = sim.post(DEVICES, headers=owner.headers,
                        json={"display_name": "Phone", "pair_phone": "+5511999990001"})
    assert by_phone.get_json()["kind"] == "neonize"  # pairing by code is for real numbers
    viewer = add_member(sim, owner, "viewer")
    assert sim.post(DEVICES, headers=viewer.headers,
                    json={"display_name": "Nope"}).status_code == 403
    listed = sim.get(DEVICES, headers=viewer.headers).get_json()["data"]
    assert {d["simulated"] for d in listed} == {False}
    other = register_owner(sim, "Other Kinds Co")
    assert sim.get(f"{DEVICES}/{real['id']}", headers=other.headers).status_code == 404
    # the default elsewhere stays a real number
    plain = register_owner(client, "Plain Co")
    made = client.post(DEVICES, headers=plain.headers, json={"display_name": "Desk"}).get_json()
    assert made["kind"] == "neonize"
    opts = client.get("/api/v1/whatsapp/pairing-options", headers=plain.headers).get_json()
    assert opts["default_kind"] == "neonize"
