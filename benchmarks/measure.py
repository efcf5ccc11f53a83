"""Clocks and summaries: CPU time, wall time, time spent in the garbage collector.

The machine these benchmarks run on is small and shared, so every timing is
taken twice: *CPU time* of this process (``time.process_time``: what the
engine itself spent; other programs running at the same time barely change it)
and *wall time* (``time.perf_counter``). Ratios are computed from CPU time.
Every engine runs single-threaded (one BLAS thread, ``torch.set_num_threads(1)``),
so CPU time is also the time a user waits on an idle machine.

Python's cyclic garbage collector is part of an engine's cost (micrograd's
closures make reference cycles; every engine's new nodes make the collector
scan). :class:`CollectorClock` adds up the CPU time spent inside collections,
so that the report can show its share.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


class CollectorClock:
    """Adds up the CPU seconds spent inside Python's garbage collections.

    Registered once per process with ``gc.callbacks``; :attr:`seconds` only
    grows, so a timed region reads it before and after.
    """

    def __init__(self) -> None:
        self.seconds = 0.0
        self.collections = [0, 0, 0]
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = time.process_time()
        else:
            self.seconds += time.process_time() - self._started
            self.collections[info["generation"]] += 1

    def install(self) -> CollectorClock:
        """Register with ``gc.callbacks`` (once) and return self."""
        if self not in gc.callbacks:
            gc.callbacks.append(self)
        return self


#: The clock of this process.
collector_clock = CollectorClock()


@dataclass(frozen=True)
class Instant:
    """A reading of all clocks at one moment."""

    cpu: float
    wall: float
    collector: float

    @staticmethod
    def now() -> Instant:
        return Instant(time.process_time(), time.perf_counter(), collector_clock.seconds)


@dataclass(frozen=True)
class Span:
    """Seconds between two instants, on each clock."""

    cpu: float
    wall: float
    collector: float

    @staticmethod
    def between(start: Instant, end: Instant) -> Span:
        return Span(end.cpu - start.cpu, end.wall - start.wall, end.collector - start.collector)

    def as_dict(self) -> dict[str, float]:
        return {"cpu": self.cpu, "wall": self.wall, "collector": self.collector}


def phase_times(instants: Sequence[Instant], names: Sequence[str]) -> dict[str, dict[str, float]]:
    """Name the spans between consecutive instants, plus ``"step"`` from first to last.

    Example: instants before forward, after forward, after backward, after the
    update, with names ("forward", "backward", "update").
    """
    spans = {
        name: Span.between(a, b).as_dict() for name, a, b in zip(names, instants, instants[1:])
    }
    spans["step"] = Span.between(instants[0], instants[-1]).as_dict()
    return spans


@dataclass(frozen=True)
class Summary:
    """Median and spread of repeated measurements."""

    median: float
    low: float
    high: float
    count: int

    @staticmethod
    def of(samples: Sequence[float]) -> Summary:
        """The median, minimum and maximum of ``samples`` (at least one)."""
        if not samples:
            raise ValueError("Summary.of: no samples to summarise.")
        return Summary(statistics.median(samples), min(samples), max(samples), len(samples))

    def scaled(self, factor: float) -> Summary:
        """Every figure multiplied by ``factor`` (seconds to nanoseconds per node, say)."""
        return Summary(self.median * factor, self.low * factor, self.high * factor, self.count)

    def as_dict(self) -> dict[str, float]:
        return {"median": self.median, "low": self.low, "high": self.high, "count": self.count}

    @staticmethod
    def from_dict(data: dict[str, float]) -> Summary:
        return Summary(data["median"], data["low"], data["high"], int(data["count"]))


def paired_ratio(
    per_repeat: dict[str, dict[Any, float]], engine: str, reference: str
) -> dict[str, float] | None:
    """The one definition of a ratio in these benchmarks.

    The median, with the min-max spread, of (``engine``'s time / ``reference``'s
    time) *within each repeat* (the two ran one after the other, so a busy
    moment of the machine hits both), over the repeats both ran.
    ``per_repeat[key][repeat]`` is a time; repeats are matched by their key
    (JSON turns repeat numbers into strings, so both kinds work). None if the
    two never ran in the same repeat.
    """
    times, base = per_repeat.get(engine, {}), per_repeat.get(reference, {})
    pairs = [times[r] / base[r] for r in times if r in base and base[r] > 0.0]
    return Summary.of(pairs).as_dict() if pairs else None


def rss_bytes() -> int | None:
    """Resident memory of this process (Linux ``/proc/self/statm``), None elsewhere."""
    import os

    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            pages = int(statm.read().split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return pages * os.sysconf("SC_PAGE_SIZE")
