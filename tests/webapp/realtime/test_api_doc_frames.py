"""docs/api.md's WebSocket section lists every frame the server sends, as the OpenAPI document
does (issue 10, 3.2): one table row per frame type in webapp/realtime/protocol.py, none that the
server does not send, and a `data` cell that names the REST model when the frame carries one."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel

from webapp.realtime import protocol

REPO = Path(__file__).resolve().parents[3]
# Frames whose data is a small reference, not a REST entity: the doc spells its fields out.
REFERENCES = {"IdRef", "DeletedRef", "UnreadCount", "TypingData", "PresenceData", "ErrorBody"}


def documented_frames() -> dict[str, str]:
    """`type` -> the `data` cell of the server-frame table in docs/api.md."""
    text = (REPO / "docs" / "api.md").read_text()
    section = text.split("## The WebSocket feed", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `([a-z_.]+)` \| ([^|]*) \|", section, flags=re.M)
    return {type_: data.strip() for type_, data in rows}


def data_model(frame: type[BaseModel]) -> str | None:
    """The name of the model in a frame's `data` (or `error`) field."""
    for name in ("data", "error"):
        field = frame.model_fields.get(name)
        if field is not None and isinstance(field.annotation, type):
            return field.annotation.__name__
    return None


def test_every_frame_type_is_in_the_table_and_nothing_else() -> None:
    documented = documented_frames()
    sent = protocol.server_frames()
    assert sorted(set(sent) - set(documented)) == []  # sent but not documented
    assert sorted(set(documented) - set(sent)) == []  # documented but never sent


def test_a_frame_carrying_a_rest_entity_names_its_model() -> None:
    documented = documented_frames()
    wrong = {}
    for type_, frame in protocol.server_frames().items():
        model = data_model(frame)
        if model is None or model in REFERENCES or type_ not in documented:
            continue
        if not re.fullmatch(rf"`?{model}`?", documented[type_]):
            wrong[type_] = (documented[type_], model)
    assert wrong == {}
