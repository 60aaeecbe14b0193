"""Streamlit fixtures: a real test database with two tenants and their members, Parquet exports
for those tenants, and AppTest helpers that sign in through the real auth service."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from tests import factories as make
from tests.analytics.data import CLAUDE, GPT, MON, OTHER, TUE, write_fixtures
from tests.factories import PASSWORD
from webapp.auth import service as auth
from webapp.db import Database
from webapp.security.principal import Principal, RequestMeta

APP = str(Path(__file__).resolve().parents[2] / "streamlit_app" / "app.py")
ROLES = ("owner", "manager", "member", "viewer")


@dataclass
class World:
    """Who exists in the test database and where the exports are."""

    db: Database
    tenant_one: int
    tenant_two: int
    providers: dict[int, int]  # fixture provider id -> real llm_providers id
    emails: dict[str, str]     # "owner", "manager", ... of tenant one; "other" owns tenant two
    root: Path


@pytest.fixture(scope="module")
def world(db: Database, database_url: str, tmp_path_factory: pytest.TempPathFactory
          ) -> Iterator[World]:
    """Two tenants, one member per role in tenant one, budgets, exports; env for the app."""
    one, two = make.tenant(db, "Acme Support"), make.tenant(db, "Globex")
    emails = {role: f"{role}@acme.example" for role in ROLES} | {"other": "owner@globex.example"}
    for role in ROLES:
        make.user(db, one, role, email=emails[role], name=role.title())
    make.user(db, two, "owner", email=emails["other"], name="Other Owner")
    providers = {CLAUDE: make.provider(db, one, "Claude", kind="anthropic", model="m", budget=0.2),
                 GPT: make.provider(db, one, "GPT", model="m", budget=1.0),
                 OTHER: make.provider(db, two, "Other", model="m", budget=5000.0)}
    root = write_fixtures(tmp_path_factory.mktemp("exports"), {1: one, 2: two}, providers)
    home = tmp_path_factory.mktemp("home")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DATABASE_URL", database_url)
        mp.setenv("ANALYTICS_DIR", str(root))
        mp.setenv("MESSAGEFLOW_HOME", str(home))
        yield World(db, one, two, providers, emails, root)
        _close_app_pool(database_url)


def _close_app_pool(dsn: str) -> None:
    """Close the app's cached pool before the module's database is dropped."""
    from streamlit_app import data

    data._database(dsn).close()
    st.cache_resource.clear()
    st.cache_data.clear()


def principal(world: World, who: str) -> Principal:
    """A real sign-in (auth_sessions row) for one of the world's members."""
    grant = auth.login(world.db, email=world.emails[who], password=PASSWORD, tenant_id=None,
                       meta=RequestMeta(ip=None, user_agent="pytest"), ttl_s=3600)
    return Principal(user_id=grant.user_id, tenant_id=grant.tenant_id, role=grant.role,
                     session_id=grant.session_id, email=grant.email, name=grant.name,
                     tenant_name=grant.tenant_name)


def app_as(world: World, who: str | None, page: str | None = None,
           days: tuple[dt.date, dt.date] = (MON, TUE)) -> AppTest:
    """The app run once, signed in as `who` (None: signed out), on `page` if given."""
    at = AppTest.from_file(APP, default_timeout=30)
    if who is not None:
        at.session_state["mf_user"] = principal(world, who)
        at.session_state["mf_range"] = days
    at.run()
    if page is not None:
        at.switch_page(f"app_pages/{page}.py").run()
    return at
