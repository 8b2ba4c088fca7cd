"""How the benchmark scripts time a statement and print a table; the inputs every timed call uses."""

from __future__ import annotations

import dataclasses
import statistics
import time
import timeit
from collections.abc import Callable
from typing import Any

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
FOR_TIME = 1_700_000_000


@dataclasses.dataclass
class Op:
    """One timed statement and the names it uses."""

    stmt: str
    names: dict[str, Any]


def op(stmt: str, **names: Any) -> Op:
    """A statement for ``timeit``, compiled into its loop, with the objects it refers to."""
    return Op(stmt, names)


@dataclasses.dataclass
class Timer:
    """How long to time: minimum seconds per repeat and the number of repeats; ``clock`` is
    wall time, or the process's CPU time (``time.process_time``), which leaves out the time the
    process waits for a core on a machine that other work keeps busy."""

    min_time: float
    repeat: int
    clock: Callable[[], float] = time.perf_counter

    def loops(self, timer: timeit.Timer) -> int:
        """The loop count (1, 2, 5, 10, 20, ...) whose total time reaches ``min_time``."""
        number = 1
        while True:
            for factor in (1, 2, 5):
                if timer.timeit(number * factor) >= self.min_time:
                    return number * factor
            number *= 10

    def measure(self, ops: list[Op]) -> list[float]:
        """Median ns/op of each statement, with their repeats interleaved."""
        compiled = [timeit.Timer(o.stmt, timer=self.clock, globals=o.names) for o in ops]
        timers = [(timer, self.loops(timer)) for timer in compiled]
        samples: list[list[float]] = [[] for _ in ops]
        for _ in range(self.repeat):
            for (timer, number), out in zip(timers, samples):
                out.append(timer.timeit(number) / number * 1e9)
        return [statistics.median(s) for s in samples]


def status(ok: bool) -> str:
    """``pass`` or ``MISS``."""
    return "pass" if ok else "MISS"


def fmt_ns(value: float | None) -> str:
    """Nanoseconds with thousands separators, or a dash."""
    return "-" if value is None else f"{value:,.0f}"


def grid(head: tuple[str, ...], lines: list[tuple[str, ...]]) -> list[str]:
    """A plain-text table: the first column left-aligned, the others right-aligned, a rule under the head."""
    widths = [max(len(r[i]) for r in [head, *lines]) for i in range(len(head))]
    out = [
        " | ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(r, widths)))
        for r in [head, *lines]
    ]
    out.insert(1, "-+-".join("-" * w for w in widths))
    return out
