"""`load_litellm()`: the one place litellm is imported, lazily, offline and through the policy.

Importing litellm costs ~5 s and ~200 MB, so nothing imports it at module level; CLI commands and
tests that never call a model stay fast. Its own module so that the client (calls) and pricing
(litellm's price map) both use it without importing each other.
"""

from __future__ import annotations

import os
import threading
from types import ModuleType
from typing import Any

from webapp.llm import transport

_ENV_DEFAULTS = {"LITELLM_LOCAL_MODEL_COST_MAP": "True", "LITELLM_OFFLINE_MODE": "true"}
_import_lock = threading.Lock()


def load_litellm() -> ModuleType:
    """Import litellm once, offline (no price-map or header fetches), quietly."""
    with _import_lock:
        for key, value in _ENV_DEFAULTS.items():
            os.environ.setdefault(key, value)
        import litellm

        litellm.suppress_debug_info = True
        litellm.telemetry = False
        _keep_cohere_error_headers()
        transport.route_through_policy(litellm)
        return litellm


def _keep_cohere_error_headers() -> None:
    """Make litellm's Cohere errors keep the response headers, so a 429's Retry-After survives.

    litellm 1.110.2 builds CohereError(status_code, message) and drops the headers it was given;
    every other wire format keeps them. Guarded: a litellm without this class is left alone.
    """
    try:
        from litellm.llms.cohere.chat.v2_transformation import CohereV2ChatConfig
    except ImportError:
        return
    original: Any = CohereV2ChatConfig.get_error_class
    if getattr(original, "_keeps_headers", False):
        return

    def get_error_class(self: Any, error_message: str, status_code: int, headers: Any) -> Any:
        """litellm's own error class, with the response headers attached."""
        error = original(self, error_message, status_code, headers)
        if getattr(error, "headers", None) is None:
            error.headers = headers
        return error

    get_error_class._keeps_headers = True  # type: ignore[attr-defined]
    CohereV2ChatConfig.get_error_class = get_error_class  # type: ignore[method-assign]
