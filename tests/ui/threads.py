"""Which threads a service method runs on: the window's thread must do no store work."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any


def record_threads(obj: Any, name: str) -> list[threading.Thread]:
    """Wrap ``obj.name`` (on this instance only) to record the thread of every call."""
    method: Callable[..., Any] = getattr(obj, name)
    seen: list[threading.Thread] = []

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        seen.append(threading.current_thread())
        return method(*args, **kwargs)

    setattr(obj, name, wrapper)
    return seen


def off_the_main_thread(seen: list[threading.Thread]) -> bool:
    """Called at least once, and never on the main (GUI) thread."""
    return bool(seen) and all(t is not threading.main_thread() for t in seen)
