"""Response bodies of the three chat wire formats the fake LLM server speaks."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass
class Reply:
    """What the fake answers, independent of the wire format."""

    content: str
    input_tokens: int
    output_tokens: int
    truncated: bool
    model: str


def _openai_body(reply: Reply, body: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex[:12]}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": reply.model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": reply.content},
                "finish_reason": "length" if reply.truncated else "stop",
            }
        ],
        "usage": {
            "prompt_tokens": reply.input_tokens,
            "completion_tokens": reply.output_tokens,
            "total_tokens": reply.input_tokens + reply.output_tokens,
        },
    }


def _anthropic_body(reply: Reply, body: dict[str, Any]) -> dict[str, Any]:
    tools = body.get("tools") or []
    block: dict[str, Any] = {"type": "text", "text": reply.content}
    stop_reason = "max_tokens" if reply.truncated else "end_turn"
    if tools and not reply.truncated:
        try:
            tool_input = json.loads(reply.content)
        except json.JSONDecodeError:
            tool_input = None
        if isinstance(tool_input, dict):
            block = {
                "type": "tool_use",
                "id": f"toolu_{uuid.uuid4().hex[:12]}",
                "name": tools[0].get("name", "json_tool_call"),
                "input": tool_input,
            }
            stop_reason = "tool_use"
    return {
        "id": f"msg_{uuid.uuid4().hex[:12]}",
        "type": "message",
        "role": "assistant",
        "model": reply.model,
        "content": [block],
        "stop_reason": stop_reason,
        "stop_sequence": None,
        "usage": {"input_tokens": reply.input_tokens, "output_tokens": reply.output_tokens},
    }


def _cohere_body(reply: Reply, body: dict[str, Any]) -> dict[str, Any]:
    tokens = {"input_tokens": reply.input_tokens, "output_tokens": reply.output_tokens}
    return {
        "id": str(uuid.uuid4()),
        "finish_reason": "MAX_TOKENS" if reply.truncated else "COMPLETE",
        "message": {"role": "assistant", "content": [{"type": "text", "text": reply.content}]},
        "usage": {"billed_units": dict(tokens), "tokens": tokens},
    }


WIRE_BUILDERS: dict[str, Callable[[Reply, dict[str, Any]], dict[str, Any]]] = {
    "openai": _openai_body,
    "anthropic": _anthropic_body,
    "cohere": _cohere_body,
}


def error_body(wire: str, kind: str, message: str) -> dict[str, Any]:
    """The error payload each provider sends with a non-2xx status."""
    if wire == "anthropic":
        return {"type": "error", "error": {"type": kind, "message": message}}
    if wire == "cohere":
        return {"message": message}
    return {"error": {"message": message, "type": kind, "code": None}}
