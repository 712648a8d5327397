"""How the suite runs on several workers (pytest-xdist).

A scheduler of this suite's own hands whole groups of tests to one worker each:

* tests that reach the machine-wide PC/SC stack (pcscd and vpcd's TCP ports 35963/35964) form
  one group, ``pcsc``: two of them at once would put two cards in one reader;
* tests that start or look for MOSIP SBI services (the ports 4501-4600 every discovery scans)
  form one group, ``sbi``: a discovery in one worker must not find another worker's device;
* every other test module is its own group, so a module's expensive fixtures (a PyInstaller
  bundle, a PostgreSQL cluster, a receiver) are made once, as in a serial run.

(xdist's own ``loadgroup`` marks do not reach its scheduler under pytest 9, so the groups are
given to a scheduler directly.) Without ``-n`` nothing here changes anything.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

import pytest

#: What in a test module's text means it uses a machine-wide resource, and the group it joins.
SHARED = (
    ("pcsc", re.compile(r"VpcdCard|\bpcscd\b")),
    ("sbi", re.compile(r"sbi", re.IGNORECASE)),
)


@functools.cache
def group_of(path: Path) -> str:
    """The group of a test module: a shared resource's name, or the module itself."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        text = ""
    for name, pattern in SHARED:
        if pattern.search(text):
            return name
    return str(path)


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """xdist's scope scheduler, with this suite's groups as the scopes."""
    from xdist.scheduler import LoadScopeScheduling  # type: ignore[import-untyped]

    root = config.rootpath

    class GroupScheduling(LoadScopeScheduling):  # type: ignore[misc]
        def _split_scope(self, nodeid: str) -> str:
            return group_of(root / nodeid.split("::", 1)[0])

    return GroupScheduling(config, log)
