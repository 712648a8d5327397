"""Work off the GUI thread: run a callable on a ``QThreadPool``, get its outcome back by signal.

Widgets never call slow station operations (key derivation, sealing, image analysis, device I/O,
network) on the GUI thread. They hand a callable to :class:`Worker`; the callable runs on a pool
thread and must not touch any widget; its result (or the exception it raised) comes back to the
GUI thread through a queued signal and is handed to the callbacks there.

Long-running streams (a camera preview) use their own ``QThread`` instead; see the capture pages.
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from station.errors import StationError
from ui.qt import QObject, QRunnable, QThreadPool, Signal

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    """What a task gave: its result, or the error it raised."""

    token: int
    result: Any = None
    error: BaseException | None = None


class _Relay(QObject):
    done = Signal(object)


class _Task(QRunnable):
    def __init__(self, token: int, fn: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self.setAutoDelete(False)  # the Worker keeps it until its outcome is delivered
        self._token = token
        self._fn: Callable[[], Any] | None = fn
        self._relay = relay

    def run(self) -> None:
        fn, self._fn = self._fn, None  # drop the closure (it may hold a password) once run
        if fn is None:
            return
        try:
            outcome = Outcome(self._token, result=fn())
        except StationError as exc:
            outcome = Outcome(self._token, error=exc)
        except Exception as exc:
            log.exception("background task failed unexpectedly")
            outcome = Outcome(self._token, error=exc)
        self._relay.done.emit(outcome)


OnDone = Callable[[Any], None]
OnError = Callable[[BaseException], None]


class Worker(QObject):
    """Runs callables on a thread pool; delivers each outcome to its callbacks on the GUI thread.

    ``busy_changed`` tells how many tasks are running, so a screen can show a busy state.
    """

    busy_changed = Signal(int)

    def __init__(self, max_threads: int = 2, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(max_threads)
        self._relay = _Relay(self)
        self._relay.done.connect(self._deliver)
        self._tokens = itertools.count(1)
        self._pending: dict[int, tuple[_Task, OnDone | None, OnError | None]] = {}

    @property
    def running(self) -> int:
        return len(self._pending)

    def submit(
        self,
        fn: Callable[[], Any],
        on_done: OnDone | None = None,
        on_error: OnError | None = None,
    ) -> int:
        """Run ``fn`` on the pool; returns a token (outcomes carry it)."""
        token = next(self._tokens)
        task = _Task(token, fn, self._relay)
        self._pending[token] = (task, on_done, on_error)
        self.busy_changed.emit(len(self._pending))
        self.pool.start(task)
        return token

    def wait(self, msecs: int = 30_000) -> bool:
        """Block until every task has run (shutdown and tests); outcomes still arrive by event."""
        return bool(self.pool.waitForDone(msecs))

    def _deliver(self, outcome: Outcome) -> None:
        entry = self._pending.pop(outcome.token, None)
        self.busy_changed.emit(len(self._pending))
        if entry is None:
            return
        _task, on_done, on_error = entry
        if outcome.error is None:
            if on_done is not None:
                on_done(outcome.result)
        elif on_error is not None:
            on_error(outcome.error)
        else:
            log.error("unhandled background error: %r", outcome.error)


class DevicePrompter(QObject):
    """The :class:`~station.devices.Prompter` a device driver talks to from a pool thread.

    ``message`` (Vietnamese, English) is queued to the GUI thread; ``cancelled`` reads a flag the
    page sets with ``cancel`` (and clears with ``reset`` before the next capture).
    """

    message = Signal(str, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._cancel = threading.Event()

    def show(self, vi: str, en: str) -> None:
        self.message.emit(vi, en)

    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def cancel(self) -> None:
        self._cancel.set()

    def reset(self) -> None:
        self._cancel.clear()
