"""The gate's two-at-once helper (``station.capture.parallel``) and the exactness of its splits."""

from __future__ import annotations

import os
import threading
import time

import numpy as np
import pytest

from station.capture import fpmatch, fpquality, fpsynth, parallel


def test_both_returns_in_order_and_runs_the_second_on_the_helper() -> None:
    caller = threading.get_ident()
    first, second = parallel.both(threading.get_ident, threading.get_ident)
    assert first == caller
    assert second != caller or parallel._helper() is None


def test_both_raises_after_both_halves_ended() -> None:
    done = threading.Event()

    def slow() -> int:
        done.wait(0.05)
        done.set()
        return 1

    def fail() -> int:
        raise ValueError("half")

    with pytest.raises(ValueError, match="half"):
        parallel.both(fail, slow)
    assert done.is_set()
    with pytest.raises(ValueError, match="half"):
        parallel.both(slow, fail)


def test_a_nested_call_runs_inline_on_the_helper() -> None:
    def nested() -> tuple[int, int]:
        return parallel.both(threading.get_ident, threading.get_ident)

    _, (a, b) = parallel.both(lambda: None, nested)
    assert a == b  # both halves on the helper thread itself: it never waits on itself


def test_split_features_and_minutiae_equal_the_serial_ones(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    image = fpsynth.impression(fpsynth.person_finger_seed(3, 2), condition="dry", level=0.4)
    split = fpquality.block_features(image)
    t_split = fpmatch.extract(image, features=split)
    monkeypatch.setattr(parallel, "_helper", lambda: None)
    serial = fpquality.block_features(image)
    t_serial = fpmatch.extract(image, features=serial)
    for name in serial.__dataclass_fields__:
        assert np.array_equal(getattr(split, name), getattr(serial, name)), name
    for name in ("x", "y", "direction", "kind", "foreground"):
        assert np.array_equal(getattr(t_split, name), getattr(t_serial, name)), name


def test_a_forked_child_makes_its_own_helper() -> None:
    parallel.both(lambda: None, lambda: None)  # the parent's helper exists
    pid = os.fork()
    if pid == 0:  # the child: must not wait on the parent's (absent) helper thread
        code = 0
        try:
            a, b = parallel.both(lambda: 1, lambda: 2)
            code = 0 if (a, b) == (1, 2) else 1
        finally:
            os._exit(code)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            assert os.waitstatus_to_exitcode(status) == 0
            return
        time.sleep(0.02)
    os.kill(pid, 9)
    os.waitpid(pid, 0)
    raise AssertionError("the forked child waited on the parent's helper thread")


def test_a_busy_machine_runs_both_halves_on_the_caller(monkeypatch: pytest.MonkeyPatch) -> None:
    cores = os.cpu_count() or 1
    monkeypatch.setattr(os, "getloadavg", lambda: (2.0 * cores, 0.0, 0.0))
    caller = threading.get_ident()
    assert parallel.both(threading.get_ident, threading.get_ident) == (caller, caller)
