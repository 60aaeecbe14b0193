"""One hub per process (Flask-free): its LISTEN thread re-reads each notified event once, under
its tenant's RLS context, and queues the frame for that tenant's subscribers only."""

from __future__ import annotations

import functools
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from webapp.db import Database
from webapp.errors import DependencyDown
from webapp.realtime import frames, revocations
from webapp.realtime import service as svc
from webapp.realtime.listener import Connect, Listener, Notes
from webapp.realtime.presence import Change, PresenceBoard
from webapp.realtime.subscriber import Send, Subscriber, discard

log = logging.getLogger(__name__)

IDS_PAGE = 5000
FRAMES_PAGE = 500
HEARTBEAT_S = 30.0
PRESENCE_CHUNK = 200
RECHECK_S = 15.0  # every socket's session is compared with the database this often (a safety
# net: notices close sockets at once; one query per tenant with sockets in this process)


class Hub:
    """Registry {tenant_id: subscribers} under a lock, fed by the process's one listener."""

    def __init__(self, db: Database, dsn: str, *, application_name: str = "mf-realtime",
                 connect: Connect | None = None, backoff: tuple[float, float] = (0.1, 5.0)):
        self.db = db
        self.token = uuid.uuid4().hex[:12]  # this process's name in presence announcements
        self._lock = threading.Lock()
        self._subs: dict[int, set[Subscriber]] = {}
        self._board = PresenceBoard()
        self._stopping = threading.Event()
        self._started = False
        self._next_beat = 0.0
        self.rechecks = 0  # completed checks of every socket (tests and health)
        self._recheck_thread = threading.Thread(target=self._recheck_loop,
                                                name="mf-realtime-recheck", daemon=True)
        extra: dict[str, Any] = {"connect": connect} if connect else {}
        self.listener = Listener(
            dsn, (svc.EVENTS_CHANNEL, svc.EPHEMERAL_CHANNEL, svc.REVOCATIONS_CHANNEL),
            self._on_batch,
            lambda: self._retrying(self._catch_up), self._tick,
            application_name=application_name, backoff=backoff, **extra,
        )

    # lifecycle -----------------------------------------------------------------------------

    def start(self) -> None:
        """Start the listener thread (idempotent)."""
        with self._lock:
            if self._started:
                return
            self._started = True
        self.listener.start()
        self._recheck_thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the listener thread and tell every subscriber's socket to close."""
        self._stopping.set()
        self.listener.stop(timeout)
        if self._recheck_thread.is_alive():
            self._recheck_thread.join(timeout)
        for sub in self._all_subs():
            sub.close()

    # subscribers -----------------------------------------------------------------------------

    def subscribe(self, tenant_id: int, user_id: int, floor: int,
                  send: Send = discard,
                  wake: Callable[[], None] = lambda: None, *,
                  session_id: str | None = None, role: str | None = None,
                  seal: Callable[[], None] = lambda: None) -> Subscriber:
        """Register a client that has every event up to `floor`; announce presence. The
        session, role and seal (see Subscriber) let revocations find and silence it."""
        sub = Subscriber(tenant_id, user_id, floor, send, wake, session_id=session_id,
                         role=role, seal=seal)
        with self._lock:
            announce, change = self._board.connect(tenant_id, user_id)
            others = list(self._subs.get(tenant_id, ()))
            self._subs.setdefault(tenant_id, set()).add(sub)
        self._emit([change] if change else [], others)
        if announce:
            self._announce(tenant_id, [user_id], True)
        return sub

    def unsubscribe(self, sub: Subscriber) -> None:
        """Forget a client; announce the user offline when it was their last socket here."""
        with self._lock:
            subs = self._subs.get(sub.tenant_id, set())
            if sub not in subs:
                return
            subs.discard(sub)
            if not subs:
                del self._subs[sub.tenant_id]
            announce, change = self._board.disconnect(sub.tenant_id, sub.user_id)
        self._emit([change] if change else [])
        if announce and not self._stopping.is_set():
            self._announce(sub.tenant_id, [sub.user_id], False)

    def online_users(self, tenant_id: int) -> list[int]:
        """Users of the tenant with a socket open in any process."""
        with self._lock:
            return self._board.online_users(tenant_id)

    def verify(self, sub: Subscriber) -> None:
        """Check one new socket against the database now: a revocation committed between its
        authentication and its subscription sent its notice to no one."""
        revocations.recheck(self.db, sub.tenant_id, [sub])

    def recheck(self) -> int:
        """Check every socket of this process against the database (one query per tenant);
        revoke those whose session ended or whose membership changed. How many were."""
        with self._lock:
            tenants = {t: list(subs) for t, subs in self._subs.items()}
        closed = sum(revocations.recheck(self.db, t, subs) for t, subs in tenants.items())
        self.rechecks += 1
        return closed

    def typing(self, sub: Subscriber, conversation_id: int, state: str) -> bool:
        """Relay a typing state to the tenant's other clients; False if not the tenant's."""
        payload = frames.dumps({"k": "typing", "t": sub.tenant_id, "u": sub.user_id,
                                "c": conversation_id, "s": state, "o": sub.id})
        return svc.relay_typing(self.db, sub.tenant_id, sub.user_id, conversation_id, payload)

    def _all_subs(self) -> list[Subscriber]:
        with self._lock:
            return [s for subs in self._subs.values() for s in subs]

    def _tenant_subs(self, tenant_id: int) -> list[Subscriber]:
        with self._lock:
            return list(self._subs.get(tenant_id, ()))

    # the listener thread -----------------------------------------------------------------------

    def _on_batch(self, notes: Notes) -> None:
        """Everything that arrived together: revocations first (no frame of this batch reaches
        a revoked socket), then the ephemerals, then one re-read per tenant."""
        events: dict[int, list[int]] = {}
        ephemerals: list[dict[str, Any]] = []
        revoked: list[revocations.Notice] = []
        for channel, payload in notes:
            try:
                if channel == svc.EVENTS_CHANNEL:
                    tenant, event = payload.split(":", 1)
                    events.setdefault(int(tenant), []).append(int(event))
                elif channel == svc.REVOCATIONS_CHANNEL:
                    revoked.append(revocations.parse(payload))
                else:
                    ephemerals.append(json.loads(payload))
            except ValueError:
                log.warning("ignoring a malformed %s notification: %r", channel, payload[:100])
        revocations.apply(revoked, self._tenant_subs)
        for msg in ephemerals:
            self._ephemeral(msg)
        for tenant_id, ids in events.items():
            try:
                self._retrying(functools.partial(self._deliver, tenant_id, ids))
            except Exception:  # noqa: BLE001 - one bad read must not stop the feed
                log.exception("realtime fan-out failed for tenant %s", tenant_id)

    def _retrying(self, work: Callable[[], None]) -> None:
        """Run work; while the database is down, retry with backoff (nothing is dropped)."""
        delay = 0.1
        while True:
            try:
                work()
                return
            except DependencyDown:
                log.warning("realtime fan-out: database unavailable; retrying in %.1fs", delay)
            if self._stopping.wait(delay):
                return
            delay = min(delay * 2, 5.0)

    def _deliver(self, tenant_id: int, ids: list[int]) -> None:
        """Live path: read the notified events once and queue them for the tenant's clients."""
        subs = self._tenant_subs(tenant_id)
        wanted = [i for i in ids if any(s.wants(i) for s in subs)]
        if wanted:
            self._offer(subs, svc.addressed_events_by_ids(self.db, tenant_id, sorted(wanted)))

    def _catch_up(self) -> None:
        """After a (re)connection: apply the revocations that were missed (before any frame
        goes out), then read what every subscriber may have missed, once per tenant."""
        self.recheck()
        with self._lock:
            tenants = {t: list(subs) for t, subs in self._subs.items()}
        for tenant_id, subs in tenants.items():
            cursor = min(s.floor for s in subs)
            while True:
                ids = svc.event_ids_since(self.db, tenant_id, cursor, IDS_PAGE)
                wanted = [i for i in ids if any(s.wants(i) for s in subs)]
                for start in range(0, len(wanted), FRAMES_PAGE):
                    chunk = wanted[start:start + FRAMES_PAGE]
                    self._offer(subs, svc.addressed_events_by_ids(self.db, tenant_id, chunk))
                if len(ids) < IDS_PAGE:
                    break
                cursor = ids[-1]
        self._announce_all()
        svc.relay_ephemeral(self.db, None, frames.dumps({"k": "sync", "p": self.token}))

    @staticmethod
    def _offer(subs: Iterable[Subscriber], found: list[tuple[svc.Frame, int | None]]) -> None:
        # each frame encoded once, shared by every socket; each socket gets the batch in one
        # write; a frame for one member goes to that member's sockets only
        encoded = [(frame["id"], frames.wire(frames.dumps(frame)), user_id)
                   for frame, user_id in found]
        if not encoded:
            return
        if all(user_id is None for _, _, user_id in encoded):
            batch = [(event_id, wire) for event_id, wire, _ in encoded]
            for sub in subs:
                sub.offer_many(batch)
            return
        for sub in subs:
            mine = [(event_id, wire) for event_id, wire, user_id in encoded
                    if user_id is None or user_id == sub.user_id]
            if mine:
                sub.offer_many(mine)

    def _ephemeral(self, msg: dict[str, Any]) -> None:
        try:
            kind, tenant_id = msg["k"], int(msg.get("t") or 0)
            if kind == "typing":
                data = frames.wire(frames.typing_frame(int(msg["c"]), int(msg["u"]),
                                                       str(msg["s"])))
                for sub in self._tenant_subs(tenant_id):
                    if sub.id != msg["o"]:
                        sub.push(data)
            elif kind == "presence" and msg["p"] != self.token:
                users = [int(u) for u in msg["u"]]
                with self._lock:
                    changes = self._board.apply(str(msg["p"]), tenant_id, users,
                                                bool(msg["on"]))
                self._emit(changes)
            elif kind == "sync" and msg["p"] != self.token:
                self._announce_all()
        except (KeyError, TypeError, ValueError):
            log.warning("ignoring a malformed ephemeral notification: %r", str(msg)[:100])

    # presence ---------------------------------------------------------------------------------

    def _emit(self, changes: list[Change], subs: list[Subscriber] | None = None) -> None:
        for change in changes:
            data = frames.wire(frames.presence_frame(change.user_id, change.online))
            targets = subs if subs is not None else self._tenant_subs(change.tenant_id)
            for sub in targets:
                if sub.tenant_id == change.tenant_id:
                    sub.push(data)

    def _announce(self, tenant_id: int, users: list[int], online: bool) -> None:
        """Tell the other processes (best effort: presence is soft state)."""
        for start in range(0, len(users), PRESENCE_CHUNK):
            payload = frames.dumps({"k": "presence", "p": self.token, "t": tenant_id,
                                    "u": users[start:start + PRESENCE_CHUNK], "on": online})
            try:
                svc.relay_ephemeral(self.db, tenant_id, payload)
            except Exception:  # noqa: BLE001 - never fail a socket over presence
                log.warning("could not announce presence for tenant %s", tenant_id)

    def _announce_all(self) -> None:
        with self._lock:
            local = self._board.local_users()
        for tenant_id, users in local.items():
            self._announce(tenant_id, users, True)

    def _recheck_loop(self) -> None:
        """The periodic safety net, on its own thread so that it never delays the fan-out."""
        while not self._stopping.wait(RECHECK_S):
            try:
                self.recheck()
            except Exception:  # noqa: BLE001 - the next round tries again
                log.warning("realtime: the periodic session check failed", exc_info=True)

    def _tick(self) -> None:
        """Heartbeat this process's online users and expire silent processes' ones."""
        now = time.monotonic()
        if now < self._next_beat:
            return
        self._next_beat = now + HEARTBEAT_S
        self._announce_all()
        with self._lock:
            changes = self._board.expire()
        self._emit(changes)
