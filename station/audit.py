"""The audit log: append-only and hash-chained.

Entry ``n`` stores ``prev_hash`` (the hash of entry ``n-1``; 64 zeros for the first) and
``hash = SHA-256(canonical JSON of {seq, ts, actor, action, subject, details, prev_hash})``.
Canonical JSON: keys sorted, no spaces, UTF-8, non-ASCII kept as is. Altering any field of any
entry, removing an entry from the middle or reordering entries breaks the chain at that entry.
Triggers (migration 0002) refuse UPDATE and DELETE on the table through SQL.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from station.clock import iso
from station.models import AuditEntry

GENESIS = "0" * 64


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def entry_hash(
    seq: int, ts: str, actor: str, action: str, subject: str, details_json: str, prev_hash: str
) -> str:
    body = canonical_json(
        {
            "seq": seq,
            "ts": ts,
            "actor": actor,
            "action": action,
            "subject": subject,
            "details": json.loads(details_json),
            "prev_hash": prev_hash,
        }
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def append(
    session: Session,
    now: datetime,
    actor: str,
    action: str,
    subject: str = "",
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Add one entry inside the caller's (write) transaction."""
    last = session.execute(
        select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
    details_json = canonical_json(details or {})
    ts = iso(now)
    entry = AuditEntry(
        seq=seq,
        ts=ts,
        actor=actor,
        action=action,
        subject=subject,
        details_json=details_json,
        prev_hash=prev,
        hash=entry_hash(seq, ts, actor, action, subject, details_json, prev),
    )
    session.add(entry)
    session.flush()
    return entry


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    entries: int
    head: str
    broken_seq: int | None = None
    reason: str | None = None


def verify(session: Session) -> VerifyResult:
    """Walk the chain from the first entry; report the first broken link."""
    expected_seq, prev = 1, GENESIS
    count = 0
    rows = session.execute(select(AuditEntry).order_by(AuditEntry.seq)).scalars()
    for entry in rows:
        count += 1
        if entry.seq != expected_seq:
            return VerifyResult(
                False, count, prev, expected_seq, f"entry {expected_seq} is missing"
            )
        if entry.prev_hash != prev:
            return VerifyResult(
                False, count, prev, entry.seq, "prev_hash does not match the entry before"
            )
        try:
            actual = entry_hash(
                entry.seq,
                entry.ts,
                entry.actor,
                entry.action,
                entry.subject,
                entry.details_json,
                entry.prev_hash,
            )
        except ValueError:
            return VerifyResult(False, count, prev, entry.seq, "details are not valid JSON")
        if actual != entry.hash:
            return VerifyResult(False, count, prev, entry.seq, "content does not match its hash")
        prev = entry.hash
        expected_seq += 1
    return VerifyResult(True, count, prev)
