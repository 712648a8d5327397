"""Who may do what, for the operations that act on the station as a whole.

The dossier workflow's own rules (who captures, who approves) live in ``lifecycle.py`` and in
each service method; this matrix covers the commands that move data off the station, bring
trust into it or manage it. ``StationService.authorize(action)`` checks it against the logged-in
operator (and refuses a session that must change its password first), so the command line, the
window and scripts get the same verdict from the core.

- ``sync.now``: everyone. It sends only sealed packets, encrypted to the pinned receiver, which
  the background loop sends anyway; the window's "upload now" serves an operator in the field
  when a link comes up for a moment.
- ``usb.export``, ``usb.import_receipts``: supervisor and admin. Packets leave on removable
  media, and verified receipts let the station purge them: a named supervisor answers for both.
- ``registration.export``: admin. The station's identity for the receiver is part of
  provisioning.
- ``roster.import``, ``roster.remove``: supervisor and admin. A list decides who is prefilled
  and marked as enrolled.
- Operators, backup, restore, diagnostics, settings: admin, checked in their own methods.

The same matrix is in ``docs/storage.md`` ("Who may run what").
"""

from __future__ import annotations

from station.lifecycle import Role

ALL = (Role.OPERATOR, Role.SUPERVISOR, Role.ADMIN)
SUPERVISION = (Role.SUPERVISOR, Role.ADMIN)

MATRIX: dict[str, tuple[Role, ...]] = {
    "sync.now": ALL,
    "usb.export": SUPERVISION,
    "usb.import_receipts": SUPERVISION,
    "registration.export": (Role.ADMIN,),
    "roster.import": SUPERVISION,
    "roster.remove": SUPERVISION,
}


def roles_for(action: str) -> tuple[Role, ...]:
    """The roles allowed ``action``; an unknown action is a programming error (KeyError)."""
    return MATRIX[action]
