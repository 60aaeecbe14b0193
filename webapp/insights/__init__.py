"""The AI panel beside the thread: one conversation's analysis at a glance (issue 13)."""
