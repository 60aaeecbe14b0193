"""Sign in with a MessageFlow account."""

from __future__ import annotations

import streamlit as st

from streamlit_app import session


def render() -> None:
    """The sign-in form."""
    st.title("MessageFlow analytics")
    st.caption("Sign in with your MessageFlow account to see your team's numbers.")
    notice = st.session_state.get(session.NOTICE_KEY)
    if notice:
        st.warning(notice)
    with st.form("sign_in"):
        email = st.text_input("Email", key="email", autocomplete="email")
        password = st.text_input("Password", key="password", type="password")
        submitted = st.form_submit_button("Sign in", type="primary")
    if not submitted:
        return
    if not email or not password:
        st.error("Enter your email and password.")
        return
    try:
        session.sign_in(email, password)
    except session.SignInError as exc:
        st.error(str(exc))
        return
    st.rerun()


render()
