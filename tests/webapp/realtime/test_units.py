"""The Flask-free pieces on their own: dedupe and overflow, presence, client frames."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable

import pytest
from wsproto import ConnectionType, WSConnection
from wsproto.events import AcceptConnection, Request, TextMessage

from webapp.realtime import revocations
from webapp.realtime import subscriber as subscriber_mod
from webapp.realtime import writer as writer_mod
from webapp.realtime.connection import RateLimit
from webapp.realtime.frames import BadFrame, PingFrame, TypingFrame, parse_client_frame, wire
from webapp.realtime.presence import Change, PresenceBoard
from webapp.realtime.subscriber import Send, Subscriber
from webapp.realtime.writer import Outbox


def _into(sent: list[bytes], counts: list[int] | None = None) -> Send:
    """A Send that records the bytes (and, if asked, the frame count of each write)."""
    def send(data: bytes, frames: int = 1) -> None:
        sent.append(data)
        if counts is not None:
            counts.append(frames)
    return send


def test_each_event_id_is_delivered_once_even_out_of_order() -> None:
    sent: list[bytes] = []
    sub = Subscriber(1, 1, floor=10, send=_into(sent))
    sub.go_live()
    assert not sub.offer(10, b"old")  # at or below the floor: the client has it
    assert sub.offer(12, b"b") and sub.offer(11, b"a")  # a late commit of a lower id still goes
    assert not sub.offer(12, b"b again") and not sub.accept(11)
    sub.push(b"typing")
    assert sent == [b"b", b"a", b"typing"] and sub.last_id == 12
    assert sub.wants(13) and not sub.wants(12)


def test_live_frames_wait_for_the_replay_then_follow_it() -> None:
    sent: list[bytes] = []
    sub = Subscriber(1, 1, floor=0, send=_into(sent))
    assert sub.offer(7, b"live 7")  # arrives while the socket replays 1..6
    for i in range(1, 8):
        if sub.accept(i):  # what the replay does
            sent.append(b"replay %d" % i)
    assert sent == [b"replay %d" % i for i in range(1, 7)]
    sub.go_live()
    assert sub.offer(8, b"live 8")
    assert sent[-2:] == [b"live 7", b"live 8"]


def test_a_batch_of_frames_goes_out_in_one_write_without_the_delivered_ones() -> None:
    sent: list[bytes] = []
    counts: list[int] = []
    sub = Subscriber(1, 1, floor=10, send=_into(sent, counts))
    assert sub.offer_many([(11, b"a")]) == 1  # held: the socket still replays
    sub.go_live()
    assert sub.offer_many([(9, b"old"), (11, b"a"), (12, b"b"), (13, b"c")]) == 2
    assert sub.offer_many([(12, b"b"), (13, b"c")]) == 0
    assert sent == [b"a", b"bc"] and sub.last_id == 13
    assert counts == [1, 2]  # the outbox is told how many frames each write holds


def test_a_batch_that_overfills_the_replay_hold_asks_for_a_reconnect(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(subscriber_mod, "HELD_MAX", 3)
    sent: list[bytes] = []
    sub = Subscriber(1, 1, floor=0, send=_into(sent))
    assert sub.offer_many([(1, b"1"), (2, b"2"), (3, b"3")]) == 3 and not sub.overflowed
    sub.offer_many([(4, b"4")])
    assert sub.overflowed and sub.offer_many([(5, b"5")]) == 0
    sub.go_live()
    assert sent == []


def test_the_remembered_ids_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(subscriber_mod, "SEEN_MAX", 8)
    sub = Subscriber(1, 1, floor=0)
    for i in range(1, 21):
        assert sub.accept(i)
    assert 0 < sub.floor < 20 and not any(sub.accept(i) for i in range(1, 21))


def _drain(sock: socket.socket, into: bytearray, stop: threading.Event) -> None:
    sock.settimeout(0.05)
    while not stop.is_set():
        try:
            chunk = sock.recv(1 << 16)
        except TimeoutError:
            continue
        if not chunk:
            return
        into += chunk


def _received(sock: socket.socket, want: bytes, then: Callable[[], object]) -> bytes:
    """Drain `sock` on a thread while `then()` runs, until `want`'s length arrived (or 5 s)."""
    got, stop = bytearray(), threading.Event()
    reader = threading.Thread(target=_drain, args=(sock, got, stop))
    reader.start()
    then()
    deadline = time.monotonic() + 5
    while len(got) < len(want) and time.monotonic() < deadline:
        time.sleep(0.01)
    stop.set()
    reader.join()
    return bytes(got)


def test_the_outbox_never_blocks_the_fan_out_and_keeps_frames_in_order() -> None:
    a, b = socket.socketpair()
    a.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    wakes: list[int] = []
    box = Outbox(a, wake=lambda: wakes.append(1))
    frames = [bytes([65 + i % 26]) * 1000 for i in range(200)]  # far more than the buffer
    started = time.monotonic()
    for frame in frames[:150]:
        box.write_nowait(frame)  # nobody reads yet: must not block
    assert time.monotonic() - started < 1 and wakes  # the socket's thread was asked to flush
    # simple_websocket's own write (a ping) blocks its thread behind the queued frames...
    pinger = threading.Thread(target=box.send, args=(b"<ping>",))
    pinger.start()
    deadline = time.monotonic() + 5
    while not box._busy and time.monotonic() < deadline:
        time.sleep(0.001)
    for frame in frames[150:]:
        box.write_nowait(frame)  # ...while the fan-out still never blocks
    assert time.monotonic() - started < 2
    want = b"".join(frames[:150]) + b"<ping>" + b"".join(frames[150:])
    assert _received(b, want, lambda: (pinger.join(5), box.flush())) == want
    a.close()
    b.close()


def test_a_socket_too_far_behind_overflows() -> None:
    a, b = socket.socketpair()
    a.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    box = Outbox(a, queue_max=10)
    for _ in range(100):
        box.write_nowait(b"x" * 1000)
    assert box.overflowed
    a.close()
    b.close()


def _stalled_pair() -> tuple[socket.socket, socket.socket, bytes]:
    """A socket pair whose kernel send buffer is already full (nobody reads): every write
    through an Outbox from now on is queued. Also returns the bytes already in the buffer."""
    a, b = socket.socketpair()
    a.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    a.setblocking(False)
    filled = bytearray()
    while True:
        try:
            filled += b"f" * a.send(b"f" * 64)
        except BlockingIOError:
            break
    a.setblocking(True)
    return a, b, bytes(filled)


@pytest.mark.parametrize("batch", [1, 3, 500])
def test_a_slow_socket_overflows_after_queue_max_frames_one_by_one_or_in_batches(
        batch: int) -> None:
    a, b, filled = _stalled_pair()
    box = Outbox(a)  # the real bound
    frame = b"<frame>"
    box.write_nowait(frame * batch, frames=batch)  # the started write, kept whatever happens
    queued = 0
    while queued + batch <= writer_mod.QUEUE_MAX:
        box.write_nowait(frame * batch, frames=batch)
        queued += batch
        assert not box.overflowed
    assert writer_mod.QUEUE_MAX - batch < queued <= writer_mod.QUEUE_MAX
    box.write_nowait(frame * batch, frames=batch)  # one batch more than the bound can hold
    assert box.overflowed
    box.write_nowait(frame, frames=1)  # dropped: the socket is about to be closed
    # simple_websocket's close frame still goes out, right after the started write
    want = filled + frame * batch + b"<close>"
    assert _received(b, want, lambda: box.send(b"<close>")) == want
    a.close()
    b.close()


def test_frames_taken_by_a_flush_no_longer_count_against_the_bound() -> None:
    a, b, filled = _stalled_pair()
    box = Outbox(a, queue_max=10)
    box.write_nowait(b"0")  # the started write
    box.write_nowait(b"123456789A", frames=10)  # the queue is full...
    flusher = threading.Thread(target=box.flush)  # ...and the socket's thread takes it all
    flusher.start()
    deadline = time.monotonic() + 5
    while not box._busy and time.monotonic() < deadline:
        time.sleep(0.001)
    assert box._busy  # blocked on the stalled socket with the 11 frames in hand
    for ch in b"BCDEFGHIJK":
        box.write_nowait(bytes([ch]))  # a fresh queue of 10 frames fits
    assert not box.overflowed
    box.write_nowait(b"L")
    assert box.overflowed
    want = filled + b"0123456789A<close>"
    assert _received(b, want, lambda: (flusher.join(5), box.send(b"<close>"))) == want
    a.close()
    b.close()


def test_presence_counts_sockets_and_processes() -> None:
    now = [0.0]
    board = PresenceBoard(clock=lambda: now[0], ttl_s=10)
    assert board.connect(1, 7) == (True, Change(1, 7, True))
    assert board.connect(1, 7) == (False, None)  # a second tab
    assert board.disconnect(1, 7) == (False, None)
    assert board.apply("other", 1, [7], True) == []  # still online here
    assert board.disconnect(1, 7) == (True, None)  # online on the other process
    assert board.online_users(1) == [7] and board.online_users(2) == []
    assert board.apply("other", 1, [7, 8], True) == [Change(1, 8, True)]
    now[0] = 5.0
    assert board.apply("other", 1, [8], False) == [Change(1, 8, False)]
    now[0] = 11.0  # "other" stopped heartbeating for user 7
    assert board.expire() == [Change(1, 7, False)] and board.online_users(1) == []
    assert board.local_users() == {}


def test_client_frames_are_validated() -> None:
    assert isinstance(parse_client_frame('{"type":"ping"}'), PingFrame)
    frame = parse_client_frame(json.dumps({"type": "typing", "conversation_id": 3,
                                           "state": "stop"}))
    assert isinstance(frame, TypingFrame) and frame.conversation_id == 3
    for raw, code in [("[", "malformed_json"), ('{"type":"typing","conversation_id":true,'
                                                '"state":"start"}', "invalid_frame"),
                      ('{"type":"typing","conversation_id":0,"state":"start"}',
                       "invalid_frame"), ('"ping"', "invalid_frame")]:
        with pytest.raises(BadFrame) as info:
            parse_client_frame(raw)
        assert info.value.code == code


@pytest.mark.parametrize("size", [0, 125, 126, 65535, 65536])
def test_shared_wire_frames_match_wsproto(size: int) -> None:
    server = WSConnection(ConnectionType.SERVER)
    server.receive_data(WSConnection(ConnectionType.CLIENT).send(Request(host="h", target="/")))
    list(server.events())
    server.send(AcceptConnection())
    text = "é" * (size // 2) + "x" * (size % 2)
    assert wire(text) == server.send(TextMessage(data=text))


def test_typing_is_rate_limited() -> None:
    now = [0.0]
    limit = RateLimit(rate=1, burst=2, clock=lambda: now[0])
    assert [limit.allow() for _ in range(3)] == [True, True, False]
    now[0] = 1.0
    assert limit.allow() and not limit.allow()


def test_a_revoked_socket_gets_no_data_frame_from_then_on_but_its_close_frame() -> None:
    a, b, filled = _stalled_pair()
    box = Outbox(a)
    wakes: list[int] = []
    sub = Subscriber(1, 7, floor=0, send=box.write_nowait, wake=lambda: wakes.append(1),
                     session_id="s", role="member", seal=box.seal)
    sub.go_live()
    started = wire('{"id":1}')
    assert sub.offer(1, started)  # on the wire already (its tail waits for room)
    assert sub.offer(2, wire('{"id":2}'))  # queued behind it
    sub.push(wire('{"type":"typing"}'))  # queued too
    assert sub.revoke(4401, "session revoked") and wakes  # the socket's thread is woken
    close = bytes([0x88, 2]) + (4401).to_bytes(2, "big")

    def after_the_revocation() -> None:
        assert not sub.offer(3, wire('{"id":3}'))
        sub.push(wire('{"type":"presence"}'))
        box.write_nowait(wire('{"id":4}'))  # even a direct write is refused
        box.send(wire('{"type":"pong"}'))  # and the socket's own text frames
        box.send(close)

    want = filled + started + close  # the started frame completes, so the stream stays valid
    assert _received(b, want, after_the_revocation) == want
    a.close()
    b.close()


def test_a_removal_outranks_a_sign_out_that_comes_with_it() -> None:
    sub = Subscriber(1, 7, floor=0)
    assert sub.revoke(*revocations.SIGNED_OUT)
    assert not sub.revoke(*revocations.ROLE_CHANGED)  # same code: the first reason stays
    assert sub.revoke(*revocations.REMOVED) and sub.revoked == revocations.REMOVED
    assert not sub.revoke(*revocations.SIGNED_OUT) and sub.revoked == revocations.REMOVED


def test_revocation_notices_name_their_sockets() -> None:
    one = Subscriber(1, 7, 0, session_id="a")
    two = Subscriber(1, 7, 0, session_id="b")
    mate, elsewhere = Subscriber(1, 8, 0, session_id="c"), Subscriber(2, 7, 0, session_id="d")
    subs = {1: [one, two, mate], 2: [elsewhere]}
    notice = revocations.parse('{"t": 1, "u": 7, "s": "a", "r": "signed_out"}')
    assert revocations.apply([notice], lambda t: subs.get(t, [])) == 1
    assert one.revoked == (4401, "session revoked") and two.revoked is None
    removed = revocations.parse('{"t": 1, "u": 7, "s": null, "r": "removed"}')
    assert revocations.apply([removed], lambda t: subs.get(t, [])) == 2
    assert one.revoked == two.revoked == (4403, "removed from the tenant")
    assert mate.revoked is None and elsewhere.revoked is None
    for bad in ("{}", "[]", '{"t": 1, "u": 7, "s": null, "r": "bored"}', "nope"):
        with pytest.raises(ValueError):
            revocations.parse(bad)


def test_the_database_verdict_on_a_socket() -> None:
    sub = Subscriber(1, 7, 0, session_id="a", role="manager")
    verdict = revocations.verdict
    assert verdict(sub, {"live": True, "role": "manager"}) is None
    assert verdict(sub, {"live": True, "role": "viewer"}) == revocations.ROLE_CHANGED
    assert verdict(sub, {"live": False, "role": "manager"}) == revocations.SIGNED_OUT
    assert verdict(sub, {"live": False, "role": None}) == revocations.REMOVED
    assert verdict(sub, None) == revocations.SIGNED_OUT
    assert verdict(Subscriber(1, 7, 0, session_id="a"), {"live": True, "role": "x"}) is None
