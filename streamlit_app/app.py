"""MessageFlow analytics: `streamlit run streamlit_app/app.py` (port 8501).

The router: sign-in first, then the pages the member's role allows, with a shared date range.
"""

from __future__ import annotations

import streamlit as st

from streamlit_app import data, session, ui
from webapp.security.principal import Principal

PAGES = "app_pages"


def _sidebar(user: Principal) -> None:
    """Who is signed in, the sign-out button and the shared date range."""
    st.sidebar.markdown(f"**{user.name}**  \n{user.tenant_name} · {user.role}")
    st.sidebar.button("Sign out", key="sign_out", on_click=session.sign_out)
    ui.date_range_filter()


def main() -> None:
    """Route to the sign-in page or to the pages this member may see."""
    st.set_page_config(page_title="MessageFlow analytics", page_icon=":bar_chart:",
                       layout="wide")
    user = session.current_user()
    if user is None:
        st.navigation([st.Page(f"{PAGES}/sign_in.py", title="Sign in",
                               icon=":material/login:")]).run()
        return
    _sidebar(user)
    queue = st.Page(f"{PAGES}/queue_health.py", title="Queue health",
                    icon=":material/forum:")
    if not data.can_see_costs(user):
        st.navigation([queue]).run()
        return
    st.navigation([
        st.Page(f"{PAGES}/provider_comparison.py", title="Provider comparison",
                icon=":material/compare_arrows:", default=True),
        st.Page(f"{PAGES}/usage_cost.py", title="Usage & cost", icon=":material/payments:"),
        st.Page(f"{PAGES}/feature_breakdown.py", title="Feature breakdown",
                icon=":material/stacked_bar_chart:"),
        queue,
    ]).run()


main()
