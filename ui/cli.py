"""The ``run`` subcommand of ``intake-station``: opens the station window."""

from __future__ import annotations

import argparse


def _run(args: argparse.Namespace) -> int:
    from ui.app import run  # Qt is loaded only when the window is wanted

    return run(args.data_dir, lang=args.lang)  # None: the language chosen in the settings


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``run`` to the ``intake-station`` command line."""
    sp = sub.add_parser("run", help="start the station window")
    sp.add_argument(
        "--lang",
        choices=("vi", "en"),
        default=None,
        help="interface language (default: the one chosen in the settings, else Vietnamese)",
    )
    sp.set_defaults(func=_run)
