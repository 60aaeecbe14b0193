"""How litellm reaches providers: every HTTP request through the outbound policy.

litellm 1.110.2 has two HTTP paths, both on httpx (TECH-NOTES §2):

- OpenAI and OpenAI-compatible: the OpenAI SDK, given `litellm.client_session` when it is set;
- Anthropic, Cohere (and everything else): litellm's `HTTPHandler`, which builds its own
  httpx.Client in `create_client()` (following redirects by default) and which Cohere's path
  does not even let a caller pass in (`client=` is dropped before the request).

So the session is a policy client, and `HTTPHandler.create_client` is replaced to build policy
clients too: every handler litellm makes, whenever it makes it (they are created lazily and
cached), connects only where the policy allows and follows no redirect. The async handler is
made to refuse every request: nothing here calls litellm asynchronously, and a future caller must
get a policy-checked async client first rather than silently bypass the policy.
tests/webapp/llm/test_outbound_llm.py proves it for every provider kind.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import httpx

from webapp.security import outbound
from webapp.security.outbound_http import policy_client


class _RefuseAsync(httpx.AsyncBaseTransport):
    """An async transport that sends nothing (see the module docstring)."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Refuse: async outbound requests have no policy-checked client yet."""
        raise outbound.OutboundRefused("asynchronous provider calls are not enabled.",
                                       host=request.url.host, reason="async_disabled")


def _refusing_async_client(*_: Any, **__: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=_RefuseAsync(), follow_redirects=False, trust_env=False)


def route_through_policy(litellm: ModuleType) -> None:
    """Make every litellm request use a policy-checked client (idempotent)."""
    from litellm.llms.custom_httpx.http_handler import AsyncHTTPHandler, HTTPHandler

    if getattr(HTTPHandler.create_client, "_outbound_policy", False):
        return

    def create_client(self: Any) -> httpx.Client:
        """A policy client with the handler's timeout (replaces litellm's own)."""
        return policy_client(timeout=self.timeout)

    create_client._outbound_policy = True  # type: ignore[attr-defined]
    HTTPHandler.create_client = create_client  # type: ignore[method-assign]
    AsyncHTTPHandler.create_client = _refusing_async_client  # type: ignore[method-assign]
    litellm.client_session = policy_client()  # type: ignore[attr-defined]
    litellm.aclient_session = _refusing_async_client()  # type: ignore[attr-defined]
