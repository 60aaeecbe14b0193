"""Canned responses: the team's saved replies with {{variables}} (issue 13)."""
