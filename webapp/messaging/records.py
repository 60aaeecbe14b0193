"""Traffic records: the one shape every WhatsApp event takes inside MessageFlow (ARCHITECTURE §5).

The neonize gateway, the simulator and `messageflow replay` all produce these records and hand
them to ingest. A traffic file holds one JSON object per line; `parse_lines` validates each line
on its own so one bad line never stops the rest of a file.

Decisions worth knowing:
- `chat` is a person (`<digits>@s.whatsapp.net` or `<digits>@lid`) or a group (`<id>@g.us`).
  Status updates (`status@broadcast`) and newsletters are not conversations and are rejected.
- JIDs are stored without their device part: `5511999990001:12@s.whatsapp.net` becomes
  `5511999990001@s.whatsapp.net`, so one person is one identifier (`@c.us`, `@hosted` and
  `@hosted.lid` are read as `@s.whatsapp.net` / `@lid`).
- `sender_alt` / `chat_alt` carry the other addressing of the same person (phone JID when the
  record is addressed by LID, or the reverse), so ingest keeps ONE contact when WhatsApp switches
  a chat to LID addressing.
- Timestamps must carry a timezone (RFC 3339 with `Z` or an offset, or unix seconds); they are
  normalised to UTC. Naive timestamps are rejected.
- `chat_name` (optional) is the group subject or chat display name when the source knows it.
- Receipts and presence updates have no WhatsApp id of their own: when `id` is absent a
  deterministic one is derived from their content, so replaying a file stays idempotent.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, Literal, cast

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    TypeAdapter,
    ValidationError,
    model_validator,
)

from webapp.messaging.rows import MediaJson

MAX_TEXT_CHARS = 65_536
MAX_LINE_CHARS = 8 * 1024 * 1024
KINDS = ("message", "edit", "revoke", "reaction", "receipt", "presence")

_USER_RE = {"s.whatsapp.net": re.compile(r"\d{5,20}"), "lid": re.compile(r"\d{1,25}")}
_GROUP_RE = re.compile(r"\d{5,30}(-\d{5,20})?")
_DEVICE_SUFFIX = re.compile(r"(\.\d+)?(:\d+)?$")
# Other spellings of the same addressing: legacy web clients, hosted (Cloud API) business devices.
SERVER_ALIASES = {"c.us": "s.whatsapp.net", "hosted": "s.whatsapp.net", "hosted.lid": "lid"}


def _split_jid(value: str) -> tuple[str, str]:
    user, sep, server = value.strip().partition("@")
    if not sep or not user or not server:
        raise ValueError(f"'{value[:80]}' is not a WhatsApp JID (expected user@server)")
    return user, SERVER_ALIASES.get(server, server)


def _user_jid(value: str) -> str:
    user, server = _split_jid(value)
    user = _DEVICE_SUFFIX.sub("", user, count=1)
    pattern = _USER_RE.get(server)
    if pattern is None:
        raise ValueError(f"'{value[:80]}' is not a person (expected @s.whatsapp.net or @lid)")
    if not pattern.fullmatch(user):
        raise ValueError(f"'{value[:80]}' has an invalid user part")
    return f"{user}@{server}"


def _chat_jid(value: str) -> str:
    user, server = _split_jid(value)
    if server == "g.us":
        if not _GROUP_RE.fullmatch(user):
            raise ValueError(f"'{value[:80]}' has an invalid group id")
        return f"{user}@{server}"
    if server in ("broadcast", "newsletter"):
        raise ValueError("status updates and newsletters are not conversations")
    return _user_jid(value)


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


def _iso(value: datetime) -> str:
    spec = "microseconds" if value.microsecond % 1000 else "milliseconds"
    if not value.microsecond:
        spec = "seconds"
    return value.astimezone(UTC).isoformat(timespec=spec).replace("+00:00", "Z")


UserJid = Annotated[str, AfterValidator(_user_jid)]
ChatJid = Annotated[str, AfterValidator(_chat_jid)]
MessageId = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[^\s]+$")]
Timestamp = Annotated[AwareDatetime, AfterValidator(_utc), PlainSerializer(_iso, return_type=str)]
Text = Annotated[str, Field(max_length=MAX_TEXT_CHARS)]


def is_group(jid: str) -> bool:
    """True when the JID names a group chat."""
    return jid.endswith("@g.us")


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: str
    id: MessageId
    chat: ChatJid
    sender: UserJid
    sender_name: Annotated[str, Field(max_length=256)] | None = None
    chat_name: Annotated[str, Field(max_length=256)] | None = None
    sender_alt: UserJid | None = None
    chat_alt: UserJid | None = None
    from_me: bool = False
    timestamp: Timestamp
    device: Annotated[str, Field(min_length=1, max_length=128)] | None = None

    @model_validator(mode="after")
    def _check_addressing(self) -> _Record:
        if self.sender_alt is not None and _server(self.sender_alt) == _server(self.sender):
            raise ValueError("sender_alt must be the other addressing of sender (phone vs lid)")
        if self.chat_alt is not None:
            if is_group(self.chat):
                raise ValueError("chat_alt is only for direct chats, not groups")
            if _server(self.chat_alt) == _server(self.chat):
                raise ValueError("chat_alt must be the other addressing of chat (phone vs lid)")
        return self


def _server(jid: str) -> str:
    return jid.rpartition("@")[2]


B64 = Annotated[str, Field(max_length=4096, pattern=r"^[A-Za-z0-9+/=_-]*$")]


class MediaKeys(BaseModel):
    """What WhatsApp's media servers need to hand back a message's file (base64 bytes).

    The gateway keeps these in the database (message_media.keys, never in the message JSON)
    until the download succeeds (webapp.media.downloads)."""

    model_config = ConfigDict(extra="forbid")

    direct_path: Annotated[str, Field(min_length=1, max_length=2048)]
    media_key: B64
    file_sha256: B64 | None = None
    file_enc_sha256: B64 | None = None
    url: Annotated[str, Field(max_length=4096)] | None = None


class Media(BaseModel):
    """Media of a message: metadata, plus either the keys to download its bytes from WhatsApp
    (`download`) or the sha256 of bytes already in the media store (`sha256`)."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["image", "video", "audio", "document", "sticker"]
    mime: Annotated[str, Field(max_length=255, pattern=r"^[\w.+-]+/[\w.+-]+")] | None = None
    caption: Text | None = None
    size: Annotated[int, Field(ge=0)] | None = None
    filename: Annotated[str, Field(max_length=255)] | None = None
    seconds: Annotated[int, Field(ge=0)] | None = None
    voice: bool | None = None
    download: MediaKeys | None = None
    sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")] | None = None

    @classmethod
    def from_public(cls, shown: MediaJson) -> Media:
        """A message JSON's media (what `public` showed) as metadata again."""
        return cls.model_validate({k: v for k, v in shown.items()
                                   if k in cls.model_fields and k not in ("download", "sha256")})

    def public(self) -> MediaJson:
        """What the message JSON shows: no keys, no hash, plus the download state."""
        # model_dump's keys are this model's fields (those MediaJson has, given, not None).
        shown = cast(MediaJson, self.model_dump(exclude_none=True,
                                                exclude={"download", "sha256"}))
        if self.sha256 is not None:
            shown["state"] = "ready"
        elif self.download is not None:
            shown["state"] = "downloading"
        return shown


class MessageRecord(_Record):
    """A new message: text, media with an optional caption, or both."""

    kind: Literal["message"] = "message"
    text: Text | None = None
    quoted_id: MessageId | None = None
    forwarded: bool = False
    media: Media | None = None

    @model_validator(mode="after")
    def _needs_content(self) -> MessageRecord:
        if not self.text and self.media is None:
            raise ValueError("a message needs text or media")
        return self


class EditRecord(_Record):
    """The sender changed the text (or caption) of an earlier message."""

    kind: Literal["edit"] = "edit"
    target_id: MessageId
    text: Annotated[str, Field(min_length=1, max_length=MAX_TEXT_CHARS)]


class RevokeRecord(_Record):
    """The sender deleted an earlier message for everyone."""

    kind: Literal["revoke"] = "revoke"
    target_id: MessageId


class ReactionRecord(_Record):
    """An emoji reaction to an earlier message; an empty emoji removes the reaction."""

    kind: Literal["reaction"] = "reaction"
    target_id: MessageId
    emoji: Annotated[str, Field(max_length=32)]


class _Derived(_Record):
    """A record whose id may be derived from its content (receipts, presence)."""

    @model_validator(mode="before")
    @classmethod
    def _derive_id(cls, data: Any) -> Any:
        if isinstance(data, dict) and not data.get("id"):
            basis = {k: v for k, v in data.items() if k != "id"}
            digest = hashlib.sha1(
                json.dumps(basis, sort_keys=True, default=str).encode(), usedforsecurity=False
            )
            data = {**data, "id": f"{data.get('kind', 'x')}-{digest.hexdigest()[:24]}"}
        return data


class ReceiptRecord(_Derived):
    """Messages were delivered to, read or played by `sender` (from_me: on our other device)."""

    kind: Literal["receipt"] = "receipt"
    target_ids: Annotated[list[MessageId], Field(min_length=1, max_length=1000)]
    type: Literal["delivered", "read", "played"]


class PresenceRecord(_Derived):
    """Online status or typing indicator of `sender` (in `chat` for typing)."""

    kind: Literal["presence"] = "presence"
    state: Literal["available", "unavailable", "composing", "recording", "paused"]
    last_seen: Timestamp | None = None


Record = Annotated[
    MessageRecord | EditRecord | RevokeRecord | ReactionRecord | ReceiptRecord | PresenceRecord,
    Field(discriminator="kind"),
]
RECORD_ADAPTER: TypeAdapter[Record] = TypeAdapter(Record)
RECORD_TYPES = (
    MessageRecord, EditRecord, RevokeRecord, ReactionRecord, ReceiptRecord, PresenceRecord
)


class InvalidRecord(ValueError):
    """A traffic record failed validation; `reason` is short and names the field."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class ParsedLine:
    """One line of a traffic file: a record, or the reason it was rejected."""

    line_no: int
    record: Record | None
    reason: str | None = None

    @property
    def ok(self) -> bool:
        """True when the line produced a record."""
        return self.record is not None


def _field(loc: tuple[int | str, ...]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in KINDS:
        parts = parts[1:]
    return ".".join(parts) or "record"


def _explain(error: Any) -> str:
    kind, field, ctx = error["type"], _field(error["loc"]), error.get("ctx") or {}
    if kind == "union_tag_invalid":
        return f"unknown kind '{ctx.get('tag')}' (expected one of: {', '.join(KINDS)})"
    if kind == "union_tag_not_found":
        return "missing field 'kind'"
    if kind == "missing":
        return f"missing field '{field}'"
    if kind == "extra_forbidden":
        return f"unexpected field '{field}'"
    if kind == "timezone_aware":
        return f"{field}: needs a timezone (e.g. 2026-11-25T09:15:02Z)"
    if kind == "string_too_long":
        size = len(error["input"])
        return f"{field}: too long ({size:,} characters; at most {ctx['max_length']:,})"
    message = str(error["msg"]).removeprefix("Value error, ")
    return message if field == "record" else f"{field}: {message}"


def explain(error: ValidationError) -> str:
    """Turn a pydantic ValidationError into one short human reason naming the field(s)."""
    reasons = [_explain(e) for e in error.errors(include_url=False)]
    extra = f" (+{len(reasons) - 3} more)" if len(reasons) > 3 else ""
    return "; ".join(reasons[:3]) + extra


def validate_record(data: Any) -> Record:
    """Validate a decoded JSON object (or a record) into a Record; raise InvalidRecord."""
    if isinstance(data, RECORD_TYPES):
        return data
    if not isinstance(data, dict):
        raise InvalidRecord(f"not a JSON object (got {type(data).__name__})")
    try:
        return RECORD_ADAPTER.validate_python(data)
    except ValidationError as exc:
        raise InvalidRecord(explain(exc)) from None


def parse_line(line: str, line_no: int) -> ParsedLine:
    """Parse one traffic-file line into a record or a rejection reason."""
    if len(line) > MAX_LINE_CHARS:
        return ParsedLine(line_no, None, f"line too long ({len(line):,} characters)")
    try:
        # Without its line terminator, so a truncated line's error points into the line
        # itself ("column 46"), not at the start of json's phantom second line.
        data = json.loads(line.rstrip("\r\n"))
    except json.JSONDecodeError as exc:
        return ParsedLine(line_no, None, _json_error(exc))
    if not isinstance(data, dict):
        return ParsedLine(line_no, None, f"not a JSON object (got {_json_type(data)})")
    try:
        return ParsedLine(line_no, validate_record(data))
    except InvalidRecord as exc:
        return ParsedLine(line_no, None, exc.reason)


def _json_error(exc: json.JSONDecodeError) -> str:
    """Describe a JSON syntax error with json's own position within the file line."""
    where = f"column {exc.colno}"
    if exc.lineno > 1:  # only a raw string with embedded newlines gets here
        where = f"line {exc.lineno} of the record, {where}"
    return f"invalid JSON: {exc.msg} ({where})"


def _json_type(value: Any) -> str:
    names = {list: "array", str: "string", bool: "boolean", type(None): "null"}
    return names.get(type(value), "number")


def parse_lines(lines: Iterable[str]) -> Iterator[ParsedLine]:
    """Parse traffic-file lines (numbered from 1), skipping blank lines."""
    for line_no, raw in enumerate(lines, start=1):
        line = raw.removeprefix("\ufeff") if line_no == 1 else raw
        if line.strip():
            yield parse_line(line, line_no)


def record_to_json(record: Record) -> str:
    """Serialise a record as one compact JSON line (no trailing newline, nulls omitted)."""
    return record.model_dump_json(exclude_none=True)
