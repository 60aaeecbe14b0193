"""Contacts as the team sees them: search, the contact panel, saved names, notes, custom
attributes and labels (issue 13). Ingest creates and names contacts (webapp.messaging)."""
