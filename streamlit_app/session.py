"""Sign-in with MessageFlow accounts; the signed-in member lives in st.session_state.

Each rerun reloads the member from its live sign-in session (webapp.auth.service), so a
sign-out elsewhere, a removal or a role change takes effect at once, as in the web app.
"""

from __future__ import annotations

import math
import time
from typing import Any

import streamlit as st

from streamlit_app.data import database, database_url
from webapp.audit import service as audit
from webapp.auth import service as auth
from webapp.auth.lockout import LoginLocked, LoginLockout, lockout_for
from webapp.config import Settings
from webapp.errors import DependencyDown, Unauthorized
from webapp.security.principal import Principal, RequestMeta

USER_KEY = "mf_user"
NOTICE_KEY = "mf_notice"
FAILURES_KEY = "mf_failed_sign_ins"
META = RequestMeta(ip=None, user_agent="streamlit")
MAX_FAILURES = 5
LOCKOUT_S = 30.0
SESSION_TTL_S = 8 * 3600  # a working day; the session is revoked at sign-out


class SignInError(Exception):
    """A sign-in that did not succeed, with a message for the person."""


def _throttle() -> None:
    """After MAX_FAILURES wrong passwords in this browser session, wait LOCKOUT_S."""
    failures: list[float] = st.session_state.get(FAILURES_KEY, [])
    recent = [t for t in failures if time.monotonic() - t < LOCKOUT_S]
    st.session_state[FAILURES_KEY] = recent
    if len(recent) >= MAX_FAILURES:
        raise SignInError(f"Too many attempts; try again in {int(LOCKOUT_S)} seconds.")


@st.cache_resource(show_spinner=False)
def _lockout(dsn: str | None) -> LoginLockout:
    """The web app's per-account failed sign-in count, shared with it (same store and key)."""
    db = database()
    assert db is not None
    return lockout_for(Settings.from_env(), db)


def sign_in(email: str, password: str) -> Principal:
    """Check the credentials and keep the member in the session."""
    db = database()
    if db is None:
        raise SignInError("DATABASE_URL is not set, so nobody can sign in.")
    _throttle()
    try:
        grant = auth.login(db, email=email.strip(), password=password, tenant_id=None,
                           meta=META, ttl_s=SESSION_TTL_S, lockout=_lockout(database_url()))
    except LoginLocked as exc:
        raise SignInError("Too many failed sign-ins for this account; try again in "
                          f"{math.ceil(exc.retry_after / 60)} minutes.") from exc
    except DependencyDown as exc:
        raise SignInError("Sign-in is unavailable for a moment; try again.") from exc
    except Unauthorized as exc:
        st.session_state[FAILURES_KEY].append(time.monotonic())
        raise SignInError("Wrong email or password.") from exc
    user = Principal(user_id=grant.user_id, tenant_id=grant.tenant_id, role=grant.role,
                     session_id=grant.session_id, email=grant.email, name=grant.name,
                     tenant_name=grant.tenant_name)
    st.session_state[USER_KEY] = user
    st.session_state.pop(NOTICE_KEY, None)
    return user


def current_user() -> Principal | None:
    """The signed-in member, reloaded from the live session (None when signed out)."""
    user: Principal | None = st.session_state.get(USER_KEY)
    db = database()
    if user is None or db is None:
        return None
    fresh = auth.load_principal(db, user.tenant_id, user.user_id, user.session_id)
    if fresh is None:
        st.session_state.pop(USER_KEY, None)
        st.session_state[NOTICE_KEY] = "Your session has ended; please sign in again."
        return None
    st.session_state[USER_KEY] = fresh
    return fresh


def signed_in() -> Principal:
    """The member the router validated on this run (stops a page reached while signed out)."""
    user: Principal | None = st.session_state.get(USER_KEY)
    if user is None:
        st.warning("Please sign in.")
        st.stop()
    return user


def sign_out() -> None:
    """Revoke the sign-in session and forget the member."""
    user: Principal | None = st.session_state.pop(USER_KEY, None)
    db = database()
    if user is not None and db is not None:
        auth.logout(db, user, META)


def record_export(user: Principal, what: str, rows: int) -> None:
    """Audit a CSV download (exports are sensitive actions)."""
    db = database()
    if db is None:
        return
    details: dict[str, Any] = {"what": what, "rows": rows, "source": "streamlit"}
    audit.record_client_entry(db, user, "export", META, target_type="analytics",
                              target_id=what, details=details)
