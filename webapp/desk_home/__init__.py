"""The desk's home: important messages, the day digest and the dashboard counters (issue 12)."""
