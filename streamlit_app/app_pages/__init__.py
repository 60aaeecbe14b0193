"""The app's pages (run by st.navigation from streamlit_app/app.py)."""
