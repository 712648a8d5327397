"""Two halves of one measurement at once: the gate's work on a print uses both of the station's
cores (``docs/capture.md``, "Gate time").

The gate measures one part per save, so the parallelism is inside a print: independent pieces
(the two halves of the block grid, the two branches of the minutiae extraction) run at the same
time. They are NumPy and OpenCV calls, which release the GIL, so threads suffice. The results
do not depend on the split: each half computes exactly what the whole would (row-wise work on
disjoint rows, or independent images), and the caller joins them in a fixed order.

One helper thread serves every caller; the calling thread does the other half itself. Work
submitted from the helper thread (a nested call) runs inline, so the helper never waits on
itself. When other processes already keep every core busy (:data:`BUSY_LOAD_PER_CORE`), the
halves run one after the other: the values are the same either way. Nothing here runs on the
window's thread unless the gate is called there.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Final, TypeVar

A = TypeVar("A")
B = TypeVar("B")

#: Below this many cores the halves run one after the other on the calling thread.
MIN_CORES: Final = 2
#: From this one-minute load average per core on, too: other processes already hold the cores,
#: and the caller would wait for a half that waits for a core (measured on the shared 2-core
#: sandbox: at load 4.5 one core took 2.7 s per dossier, two 3.4 s; at load 2, 1.9 against 2.2).
BUSY_LOAD_PER_CORE: Final = 2.0

_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None
_inside = threading.local()


def _busy(cores: int) -> bool:
    try:
        return os.getloadavg()[0] >= BUSY_LOAD_PER_CORE * cores
    except OSError:  # no load average on this system
        return False


def _helper() -> ThreadPoolExecutor | None:
    global _pool
    cores = os.cpu_count() or 1
    if cores < MIN_CORES or _busy(cores):
        return None
    with _lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(
                max_workers=1, thread_name_prefix="gate-half", initializer=_mark_inside
            )
        return _pool


def _mark_inside() -> None:
    _inside.flag = True


def _forget_after_fork() -> None:
    """A forked child has no helper thread: it makes its own when it needs one (submitting to
    the parent's executor there would wait for ever)."""
    global _pool, _lock
    _pool = None
    _lock = threading.Lock()


os.register_at_fork(after_in_child=_forget_after_fork)


def both(first: Callable[[], A], second: Callable[[], B]) -> tuple[A, B]:
    """``(first(), second())``, the second on the helper thread while the caller runs the first.

    An exception of either is raised here (the first's before the second's), after both ended.
    """
    pool = None if getattr(_inside, "flag", False) else _helper()
    if pool is None:
        return first(), second()
    future: Future[B] = pool.submit(second)
    try:
        a = first()
    except BaseException:
        future.exception()  # let the other half finish before the error leaves
        raise
    return a, future.result()


def halves(fn: Callable[[A], B], items: list[A]) -> list[B]:
    """``[fn(x) for x in items]``, the second half of the list on the helper thread."""
    mid = (len(items) + 1) // 2
    if len(items) < 2:
        return [fn(x) for x in items]
    first, second = both(lambda: [fn(x) for x in items[:mid]], lambda: [fn(x) for x in items[mid:]])
    return first + second
