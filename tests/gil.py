"""Whether a call lets other Python threads run while it works (releases the GIL)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


def stall(work: Callable[[], object]) -> tuple[float, float]:
    """Runs `work` in another thread while this one keeps running Python code.

    Returns how long `work` took and the longest time this thread could not run meanwhile. A
    call that holds the GIL stalls this thread for its whole duration; one that releases it
    only for a switch interval or two.
    """
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
