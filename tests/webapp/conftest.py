"""The web app's tests: `app`, `client`, `owner` and `db` come from tests/conftest.py, the makers
of members and settings from tests/factories.py (imported here too, where older tests and other
branches look for them)."""

from tests.factories import (  # noqa: F401 - re-exported
    PASSWORD,
    Member,
    add_member,
    make_settings,
    register_owner,
    unique_email,
)
