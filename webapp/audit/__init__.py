"""Audit log: who did what to which target, allowed or denied."""
