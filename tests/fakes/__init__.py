"""Fakes for tests and benchmarks: loopback LLM provider servers (and, later, traffic)."""
