"""Which fault (if any) the fake LLM server injects into each request."""

from __future__ import annotations

import random
import threading
from collections.abc import Iterable, Mapping

FAULTS: frozenset[str] = frozenset(
    {"http_500", "rate_limit_429", "timeout", "invalid_json", "truncated_output", "missing_ids"}
)


class FaultPlan:
    """A thread-safe per-request fault chooser.

    `sequence` is consumed one entry per request (None = answer normally); with `repeat=True` it
    cycles forever. Once it is exhausted (or when it is empty), `rates` maps faults to
    probabilities drawn from a RNG seeded with `seed`, so runs are reproducible.
    """

    def __init__(
        self,
        sequence: Iterable[str | None] = (),
        *,
        repeat: bool = False,
        rates: Mapping[str, float] | None = None,
        seed: int = 0,
    ) -> None:
        self._sequence = list(sequence)
        self._rates = dict(rates or {})
        unknown = {f for f in [*self._sequence, *self._rates] if f is not None} - FAULTS
        if unknown:
            raise ValueError(f"unknown faults: {sorted(unknown)}")
        if sum(self._rates.values()) > 1.0:
            raise ValueError("fault rates add up to more than 1")
        if repeat and not self._sequence:
            raise ValueError("repeat needs a non-empty sequence")
        self._repeat = repeat
        self._index = 0
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self.served: dict[str, int] = {}

    @classmethod
    def always(cls, fault: str) -> FaultPlan:
        """Inject `fault` into every request."""
        return cls([fault], repeat=True)

    def next(self) -> str | None:
        """Return the fault for the next request (None for a normal answer)."""
        with self._lock:
            fault = self._pick()
            if fault is not None:
                self.served[fault] = self.served.get(fault, 0) + 1
            return fault

    def _pick(self) -> str | None:
        if self._sequence and (self._repeat or self._index < len(self._sequence)):
            fault = self._sequence[self._index % len(self._sequence)]
            self._index += 1
            return fault
        if not self._rates:
            return None
        draw = self._rng.random()
        for fault, rate in self._rates.items():
            if draw < rate:
                return fault
            draw -= rate
        return None
