"""The dossier state machine: which transitions exist, and who may make each.

::

    draft -> captured -> confirmed -> approved -> sealed -> uploaded -> receipted -> purged
      ^         |            |            |          |          |            |          |
      |         v            v            v          v          v            v          v
      +------ draft     needs_recapture <-+----------+----------+------------+----------+
      +------------------------ needs_recapture

A supervisor sends a confirmed dossier back (before approval) or an approved-or-later one back
(the receiver rejected it later); either way it goes to ``needs_recapture`` with a reason and is
reopened as a draft. ``captured -> draft`` lets the operator correct a capture before the citizen
confirms. ``system`` is the actor of the sealing, sync and purge workers.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from station.errors import IllegalTransitionError, PermissionDeniedError


class State(StrEnum):
    DRAFT = "draft"
    CAPTURED = "captured"
    CONFIRMED = "confirmed"
    APPROVED = "approved"
    SEALED = "sealed"
    UPLOADED = "uploaded"
    RECEIPTED = "receipted"
    PURGED = "purged"
    NEEDS_RECAPTURE = "needs_recapture"


class Role(StrEnum):
    OPERATOR = "operator"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


#: The pseudo-role of background workers (sealing, upload, purge).
SYSTEM = "system"

STATE_LABELS: dict[State, tuple[str, str]] = {
    State.DRAFT: ("nháp", "draft"),
    State.CAPTURED: ("đã thu nhận", "captured"),
    State.CONFIRMED: ("công dân đã xác nhận", "confirmed by the citizen"),
    State.APPROVED: ("đã phê duyệt", "approved"),
    State.SEALED: ("đã niêm phong", "sealed"),
    State.UPLOADED: ("đã gửi lên", "uploaded"),
    State.RECEIPTED: ("đã có biên nhận", "receipted"),
    State.PURGED: ("đã giao nhận, trạm đã xóa bản sao", "delivered, station copy deleted"),
    State.NEEDS_RECAPTURE: ("cần thu nhận lại", "needs recapture"),
}

ROLE_LABELS: dict[str, tuple[str, str]] = {
    Role.OPERATOR: ("cán bộ thu nhận", "operator"),
    Role.SUPERVISOR: ("cán bộ phê duyệt", "supervisor"),
    Role.ADMIN: ("quản trị", "admin"),
    SYSTEM: ("hệ thống", "system"),
}

_CAPTURERS = frozenset({Role.OPERATOR.value, Role.SUPERVISOR.value})
_SUPERVISOR = frozenset({Role.SUPERVISOR.value})
_WORKER = frozenset({SYSTEM, Role.SUPERVISOR.value})
_SYSTEM = frozenset({SYSTEM})
_REJECTERS = frozenset({Role.SUPERVISOR.value, SYSTEM})


@dataclass(frozen=True)
class Rule:
    source: State
    target: State
    roles: frozenset[str]
    needs_reason: bool = False
    #: The actor must not be the operator who captured the dossier (four-eyes rule).
    not_capturer: bool = False


_RULES = [
    Rule(State.DRAFT, State.CAPTURED, _CAPTURERS),
    Rule(State.CAPTURED, State.DRAFT, _CAPTURERS),
    Rule(State.CAPTURED, State.CONFIRMED, _CAPTURERS),
    Rule(State.CONFIRMED, State.APPROVED, _SUPERVISOR, not_capturer=True),
    Rule(State.CONFIRMED, State.NEEDS_RECAPTURE, _SUPERVISOR, needs_reason=True),
    Rule(State.APPROVED, State.SEALED, _WORKER),
    Rule(State.SEALED, State.UPLOADED, _SYSTEM),
    Rule(State.UPLOADED, State.RECEIPTED, _SYSTEM),
    Rule(State.RECEIPTED, State.PURGED, _SYSTEM),
    Rule(State.NEEDS_RECAPTURE, State.DRAFT, _CAPTURERS),
] + [
    Rule(source, State.NEEDS_RECAPTURE, _REJECTERS, needs_reason=True)
    for source in (State.APPROVED, State.SEALED, State.UPLOADED, State.RECEIPTED, State.PURGED)
]

TRANSITIONS: dict[tuple[State, State], Rule] = {(r.source, r.target): r for r in _RULES}


def next_states(state: State) -> list[State]:
    return [target for (source, target) in TRANSITIONS if source == state]


def check(
    source: State,
    target: State,
    *,
    actor_id: str,
    actor_role: str,
    capturer_id: str,
    reason: str | None,
) -> Rule:
    """The rule for ``source -> target`` if ``actor`` may make it; a clear error otherwise."""
    rule = TRANSITIONS.get((source, target))
    if rule is None:
        s_vi, s_en = STATE_LABELS[source]
        t_vi, t_en = STATE_LABELS[target]
        raise IllegalTransitionError(
            f"Không thể chuyển hồ sơ từ «{s_vi}» sang «{t_vi}».",
            f"A dossier cannot go from '{s_en}' to '{t_en}'.",
            field="state",
        )
    if actor_role not in rule.roles:
        r_vi, r_en = ROLE_LABELS.get(actor_role, (actor_role, actor_role))
        t_vi, t_en = STATE_LABELS[target]
        raise PermissionDeniedError(
            f"Vai trò «{r_vi}» không được chuyển hồ sơ sang «{t_vi}».",
            f"The role '{r_en}' may not move a dossier to '{t_en}'.",
            field="role",
        )
    if rule.not_capturer and actor_id == capturer_id:
        raise PermissionDeniedError(
            "Cán bộ phê duyệt không được tự duyệt hồ sơ do chính mình thu nhận.",
            "A supervisor cannot approve a dossier they captured themselves.",
            field="supervisor_id",
        )
    if rule.needs_reason and not (reason and reason.strip()):
        raise IllegalTransitionError(
            "Phải ghi lý do khi trả hồ sơ để thu nhận lại.",
            "A reason is required to send a dossier back for recapture.",
            field="reason",
        )
    return rule
