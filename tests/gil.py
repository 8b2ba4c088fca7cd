"""Whether a call lets other Python threads run while it works (releases the GIL)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


def stall(work: Callable[[], object], attempts: int = 5) -> tuple[float, float]:
    """Runs `work` in another thread while this one keeps running Python code.

    Returns how long `work` took and the longest time this thread could not run meanwhile. A
    call that holds the GIL stalls this thread for its whole duration; one that releases it
    only for a switch interval or two. On a loaded machine the scheduler also pauses this
    thread now and then, so up to `attempts` runs are measured and the one that stalled least
    for its duration is returned (the first that stalled for less than half of it): a call
    holding the GIL stalls every run.
    """
    runs = []
    for _ in range(attempts):
        took, longest = _stall_once(work)
        runs.append((took, longest))
        if longest < took / 2:
            break
    return min(runs, key=lambda run: run[1] / run[0])


def _stall_once(work: Callable[[], object]) -> tuple[float, float]:
    """One run of `stall`: how long `work` took, and the longest stall of this thread."""
    done = threading.Event()
    took: list[float] = []

    def run() -> None:
        start = time.perf_counter()
        work()
        took.append(time.perf_counter() - start)
        done.set()

    worker = threading.Thread(target=run)
    longest = 0.0
    last = time.perf_counter()
    worker.start()
    while not done.is_set():
        now = time.perf_counter()
        longest = max(longest, now - last)
        last = now
    worker.join()
    return took[0], longest
