"""Sign-in with MessageFlow accounts against the real test database; roles decide the pages."""

from __future__ import annotations

import uuid

import pytest
from streamlit.testing.v1 import AppTest

from tests.analytics.data import MON, TUE
from tests.streamlit_app.conftest import APP, PASSWORD, World, app_as, principal
from webapp.auth import service as auth
from webapp.auth.lockout import LoginLocked, lockout_for
from webapp.config import Settings
from webapp.errors import Unauthorized
from webapp.security.principal import RequestMeta
from webapp.tenants.service import add_user


def submit(at: AppTest, email: str, password: str) -> AppTest:
    """Fill the sign-in form and press the button."""
    at.text_input(key="email").input(email)
    at.text_input(key="password").input(password)
    return at.button[0].click().run()


def test_signed_out_sees_only_the_form(world: World) -> None:
    at = app_as(world, None)
    assert not at.exception
    assert at.title[0].value == "MessageFlow analytics"
    assert [t.label for t in at.text_input] == ["Email", "Password"]
    assert not at.metric


def test_wrong_password_then_sign_in_as_owner(world: World) -> None:
    at = submit(app_as(world, None), world.emails["owner"], "not the password")
    assert not at.exception
    assert at.error[0].value == "Wrong email or password."
    assert "mf_user" not in at.session_state
    at = submit(at, world.emails["owner"].upper(), PASSWORD)
    assert not at.exception
    user = at.session_state["mf_user"]
    assert (user.tenant_id, user.role) == (world.tenant_one, "owner")
    assert at.title[0].value == "Provider comparison"  # the default page for managers and up
    at.session_state["mf_range"] = (MON, TUE)
    at.run()
    assert [m.label for m in at.metric][:3] == ["Requests", "Success rate", "Spend"]


def test_repeated_failures_are_throttled(world: World) -> None:
    at = app_as(world, None)
    for _ in range(5):
        at = submit(at, world.emails["viewer"], "wrong")
    at = submit(at, world.emails["viewer"], PASSWORD)  # even the right password waits now
    assert "Too many attempts" in at.error[0].value
    assert "mf_user" not in at.session_state


def test_viewer_sees_queue_health_only_and_no_costs(world: World) -> None:
    for who in ("viewer", "member"):
        at = app_as(world, who)
        assert not at.exception
        assert at.title[0].value == "Queue health"
        assert f"signed in as **{who}**" in at.info[0].value
        labels = [m.label for m in at.metric]
        assert "Inbound messages" in labels
        assert not {"Spend", "Requests", "Spend in range"} & set(labels)
        text = " ".join(str(e.value) for e in at.markdown) + str(at.dataframe[0].value)
        assert "$" not in text and "cost" not in text.lower()


def test_a_revoked_session_signs_out(world: World) -> None:
    at = AppTest.from_file(APP, default_timeout=30)
    user = principal(world, "manager")
    at.session_state["mf_user"] = user
    at.run()
    assert at.title[0].value == "Provider comparison"
    auth.logout(world.db, user, RequestMeta(ip=None, user_agent="pytest"))  # e.g. elsewhere
    at.run()
    assert not at.exception
    assert at.warning[0].value == "Your session has ended; please sign in again."
    assert [t.label for t in at.text_input] == ["Email", "Password"]


def test_sign_out_button(world: World) -> None:
    at = app_as(world, "owner")
    at.button(key="sign_out").click().run()
    assert not at.exception
    assert "mf_user" not in at.session_state
    assert [t.label for t in at.text_input] == ["Email", "Password"]


def test_failed_sign_ins_count_with_the_web_apps(world: World) -> None:
    """Streamlit is another door to the same accounts: failures at the web app's login (the
    same service and store) and here add up, and the lockout holds here too, the right
    password included."""
    email = f"locked-{uuid.uuid4().hex[:8]}@acme.example"
    add_user(world.db, world.tenant_one, email, "Locked Out", PASSWORD, "viewer")
    web_lockout = lockout_for(Settings.from_env(), world.db)
    for _ in range(9):
        with pytest.raises(Unauthorized):
            auth.login(world.db, email=email, password="not the password", tenant_id=None,
                       meta=RequestMeta(ip="10.0.0.1", user_agent="test"), ttl_s=60,
                       lockout=web_lockout)
    at = submit(app_as(world, None), email, "not the password")  # the 10th, here
    assert at.error[0].value == "Wrong email or password."
    at = submit(app_as(world, None), email, PASSWORD)  # a new browser session, same account
    assert "Too many failed sign-ins for this account" in at.error[0].value
    assert "mf_user" not in at.session_state
    with pytest.raises(LoginLocked):
        web_lockout.check(email.upper())
