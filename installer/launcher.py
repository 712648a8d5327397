"""Entry point of the bundled station (the PyInstaller executable ``intake-station``).

* no subcommand: the station window, through the same code path as ``intake-station run``
  (``--data-dir D`` and ``--lang en`` may be given);
* ``--self-test``: every check of the installed program, core and Qt (``ui.selftest``), printed
  as a report; exit 0 when all passed. ``--as OP --password-stdin`` also opens the station's store;
* ``--quit-after-login-screen``: start normally, print ``login-screen-shown <s>`` once the first
  window is on screen and quit (the cold-start benchmark);
* anything else: the ``intake-station`` command line (``init``, ``backup``, ``restore``, ...).
"""

from __future__ import annotations

import time

STARTED = time.perf_counter()

import argparse  # noqa: E402 - the clock starts before anything is imported
import sys  # noqa: E402
from collections.abc import Sequence  # noqa: E402
from pathlib import Path  # noqa: E402

SELF_TEST = "--self-test"
QUIT_AFTER_LOGIN = "--quit-after-login-screen"
NO_SUBCOMMAND_FLAGS = {"-h", "--help", "--version"}


def _self_test(argv: list[str]) -> int:
    from station.cli import Prompter
    from station.paths import default_data_dir
    from ui.selftest import run_self_test

    p = argparse.ArgumentParser(prog="intake-station --self-test")
    p.add_argument(SELF_TEST, action="store_true")
    p.add_argument("--data-dir", type=Path, default=None)
    p.add_argument("--as", dest="as_operator", default=None, help="also open the store")
    p.add_argument("--password-stdin", action="store_true")
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    login = None
    if args.as_operator:
        password = Prompter(args.password_stdin).password(f"Mật khẩu {args.as_operator}: ")
        login = (args.as_operator, password)
    return run_self_test(args.data_dir or default_data_dir(), login=login, as_json=args.json)


def _subcommands() -> set[str]:
    from station.cli import build_parser

    names: set[str] = set()
    for action in build_parser()._actions:
        if isinstance(action, argparse._SubParsersAction):
            names.update(action.choices)
    return names


def _window_args(args: list[str]) -> tuple[Path | None, str | None, bool] | None:
    """``(data_dir, lang, verbose)`` when ``args`` only open the window, else None.

    The window is the common start: it goes straight to ``ui.app.run`` without building the
    whole command line (whose subcommands import the store, provisioning and the capture code),
    so the login screen does not wait for them.
    """
    data_dir: Path | None = None
    lang: str | None = None
    verbose = False
    rest = list(args)
    while rest:
        arg = rest.pop(0)
        name, eq, value = arg.partition("=")
        if name in ("--data-dir", "--lang"):
            if not eq:
                if not rest:
                    return None
                value = rest.pop(0)
            if name == "--data-dir":
                data_dir = Path(value)
            elif value in ("vi", "en"):
                lang = value
            else:
                return None
        elif arg in ("-v", "--verbose"):
            verbose = True
        else:
            return None
    return data_dir, lang, verbose


def _run_window(data_dir: Path | None, lang: str | None, verbose: bool) -> int:
    import logging

    from station.errors import StationError
    from station.paths import default_data_dir
    from ui.app import run

    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        return run(data_dir or default_data_dir(), lang=lang)
    except StationError as err:
        where = f" [{err.field}]" if err.field else ""
        print(f"Lỗi{where}: {err.vi}\nError{where}: {err.en}", file=sys.stderr)
        return 1


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if SELF_TEST in args:
        return _self_test(args)
    quit_after_login = QUIT_AFTER_LOGIN in args
    args = [a for a in args if a != QUIT_AFTER_LOGIN]
    window = _window_args(args)
    if window is not None:
        if quit_after_login:
            from ui.selftest import quit_when_shown

            quit_when_shown(STARTED)
        return _run_window(*window)
    commands = _subcommands()
    if not any(a in commands or a in NO_SUBCOMMAND_FLAGS for a in args):
        # Global options go before the subcommand; "--lang" belongs to "run".
        lang = []
        if "--lang" in args:
            i = args.index("--lang")
            lang, args = args[i : i + 2], args[:i] + args[i + 2 :]
        args = [*args, "run", *lang]
    if quit_after_login:
        from ui.selftest import quit_when_shown

        quit_when_shown(STARTED)
    from station.cli import main as cli_main

    return cli_main(args)


if __name__ == "__main__":
    sys.exit(main())
