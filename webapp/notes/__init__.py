"""Private notes in a conversation: the team's own remarks beside the thread (issue 13)."""
