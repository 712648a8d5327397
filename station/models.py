"""The schema of the encrypted store, as SQLAlchemy 2 models.

Times are stored as canonical UTC text (``station.clock.iso``) so that they hash the same way
everywhere (the audit chain hashes them). Changes to this file ship as an Alembic migration in
``station/migrations/versions``; a test compares the two.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Station(Base):
    """The one row that says who this station is, with its own keys."""

    __tablename__ = "station"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[str] = mapped_column(String(32))
    demo: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Ed25519 private key, 32 raw bytes; lives only inside the encrypted store.
    signing_key: Mapped[bytes] = mapped_column(LargeBinary)
    recovery_public_key: Mapped[str] = mapped_column(Text)
    settings_json: Mapped[str] = mapped_column(Text, default="{}")


class ReceiverKey(Base):
    """A pinned public key of the central receiver (encryption or signing)."""

    __tablename__ = "receiver_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key_id: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[str] = mapped_column(String(16))
    algorithm: Mapped[str] = mapped_column(String(64))
    public_key: Mapped[str] = mapped_column(Text)
    added_at: Mapped[str] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Operator(Base):
    __tablename__ = "operators"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    full_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[str] = mapped_column(String(32))
    updated_at: Mapped[str] = mapped_column(String(32))
    created_by: Mapped[str | None] = mapped_column(String(32), nullable=True)


class Dossier(Base):
    __tablename__ = "dossiers"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    case_type: Mapped[str] = mapped_column(String(24))
    state: Mapped[str] = mapped_column(String(24))
    form_json: Mapped[str] = mapped_column(Text, default="{}")
    #: Capture exceptions and context (see ``station.capture.completeness``).
    capture_json: Mapped[str] = mapped_column(Text, default="{}", server_default="{}")
    #: What stays readable after sealing: name and number tail, for queues and receipts.
    summary_json: Mapped[str] = mapped_column(Text, default="{}", server_default="{}")
    operator_id: Mapped[str] = mapped_column(ForeignKey("operators.id"))
    supervisor_id: Mapped[str | None] = mapped_column(ForeignKey("operators.id"), nullable=True)
    created_at: Mapped[str] = mapped_column(String(32))
    updated_at: Mapped[str] = mapped_column(String(32))
    state_changed_at: Mapped[str] = mapped_column(String(32))
    #: The reason given with the last send-back or rejection.
    state_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    parts: Mapped[list[DossierPart]] = relationship(
        back_populates="dossier", cascade="all, delete-orphan", passive_deletes=True
    )

    __table_args__ = (Index("ix_dossiers_state", "state"),)


class DossierPart(Base):
    """One binary capture part (face, a finger, signature, a scan) with its metadata."""

    __tablename__ = "dossier_parts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dossier_id: Mapped[str] = mapped_column(ForeignKey("dossiers.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(24))
    slot: Mapped[str] = mapped_column(String(32), default="")
    media_type: Mapped[str] = mapped_column(String(64))
    meta_json: Mapped[str] = mapped_column(Text, default="{}")
    # Deferred: listing a dossier's parts (queues, reviews, completeness) must not read the images;
    # whoever needs the bytes asks for them (``part_data``) or undefers (sealing).
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[str] = mapped_column(String(32))

    dossier: Mapped[Dossier] = relationship(back_populates="parts")

    __table_args__ = (UniqueConstraint("dossier_id", "kind", "slot", name="uq_part_slot"),)


class PrintFeatures(Base):
    """A stored print's matcher template, keyed by the print's SHA-256 (``station.capture.gate``):
    extracted once when the print is saved, so a comparison never extracts it again, even after
    a restart. Biometric data: a row goes when no part holds those bytes any more
    (``gate.drop_unused_features``, in the transaction that deletes the part or seals)."""

    __tablename__ = "print_features"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: The template's format (``fpmatch.TEMPLATE_FORMAT``); another one is extracted again.
    format: Mapped[str] = mapped_column(String(16))
    data: Mapped[bytes] = mapped_column(LargeBinary)


class AuditEntry(Base):
    """One link of the hash-chained, append-only audit log."""

    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    ts: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(48))
    subject: Mapped[str] = mapped_column(String(64), default="")
    details_json: Mapped[str] = mapped_column(Text, default="{}")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class Counter(Base):
    """Named sequences (dossier numbers per day)."""

    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)


class Roster(Base):
    """An imported list: the residents of the station's communes, or an intake drive's roster."""

    __tablename__ = "rosters"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))  # "residents" | "drive"
    name: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(300))
    sha256: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[str] = mapped_column(String(32))
    imported_by: Mapped[str] = mapped_column(String(32))
    row_count: Mapped[int] = mapped_column(Integer)


class Resident(Base):
    """One person of a roster. ``name_folded`` (no diacritics, lowercase) feeds the FTS index."""

    __tablename__ = "residents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    roster_id: Mapped[int] = mapped_column(ForeignKey("rosters.id", ondelete="CASCADE"))
    line: Mapped[int] = mapped_column(Integer)
    id_number: Mapped[str | None] = mapped_column(String(12), nullable=True)
    old_id_number: Mapped[str | None] = mapped_column(String(12), nullable=True)
    full_name: Mapped[str] = mapped_column(String(100))
    name_folded: Mapped[str] = mapped_column(String(100))
    date_of_birth: Mapped[str | None] = mapped_column(String(10), nullable=True)
    sex: Mapped[str | None] = mapped_column(String(8), nullable=True)
    address: Mapped[str | None] = mapped_column(String(300), nullable=True)
    priority_group: Mapped[str | None] = mapped_column(String(24), nullable=True)
    queue_number: Mapped[int | None] = mapped_column(Integer, nullable=True)
    enrolled_dossier_id: Mapped[str | None] = mapped_column(
        ForeignKey("dossiers.id", ondelete="SET NULL"), nullable=True
    )
    enrolled_at: Mapped[str | None] = mapped_column(String(32), nullable=True)

    __table_args__ = (
        Index("ix_residents_id_number", "id_number"),
        Index("ix_residents_old_id_number", "old_id_number"),
        Index("ix_residents_dob", "date_of_birth"),
        Index("ix_residents_roster", "roster_id", "queue_number"),
        Index("ix_residents_name_folded", "name_folded"),
    )


class Packet(Base):
    """A sealed dossier waiting in the outbox, travelling, or receipted (then purged)."""

    __tablename__ = "packets"

    packet_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    dossier_id: Mapped[str] = mapped_column(ForeignKey("dossiers.id"))
    #: The sealed bytes; NULL once purged after a verified receipt.
    # Deferred, as for parts: the queue and the uploader's listings read rows, not packets.
    data: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True, deferred=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[str] = mapped_column(String(32))
    #: queued | uploading | uploaded | receipted | refused | purged
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_attempt_at: Mapped[str | None] = mapped_column(String(32), nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    acked_offset: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    upload_url: Mapped[str | None] = mapped_column(Text, nullable=True)
    receipt_json: Mapped[str | None] = mapped_column(Text, nullable=True)
    receipted_at: Mapped[str | None] = mapped_column(String(32), nullable=True)
    purged_at: Mapped[str | None] = mapped_column(String(32), nullable=True)

    __table_args__ = (
        Index("ix_packets_status", "status", "created_at"),
        Index("ix_packets_dossier", "dossier_id"),
    )


class Quota(Base):
    """A team's target of dossiers for one day: for one commune, or ``commune = ""`` in total.

    Without a total row, the team's target of a day is the sum of its communes' targets.
    """

    __tablename__ = "quotas"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    #: Local (Viet Nam) calendar day, ``YYYY-MM-DD``.
    day: Mapped[str] = mapped_column(String(10))
    #: Code of a commune in force since July 2025 (5 digits), or "" for the team's total.
    commune: Mapped[str] = mapped_column(String(8), default="")
    target: Mapped[int] = mapped_column(Integer)
    set_by: Mapped[str] = mapped_column(String(32))
    set_at: Mapped[str] = mapped_column(String(32))

    __table_args__ = (UniqueConstraint("day", "commune", name="uq_quota_day_commune"),)


class CscaCertificate(Base):
    """A country signing CA certificate the station trusts for the chip's passive authentication
    (``station.chip.csca``): imported by an administrator from a file or an ICAO master list."""

    __tablename__ = "csca_certificates"

    #: SHA-256 of the DER certificate, hex.
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    subject: Mapped[str] = mapped_column(Text)
    not_before: Mapped[str] = mapped_column(String(32))
    not_after: Mapped[str] = mapped_column(String(32))
    der: Mapped[bytes] = mapped_column(LargeBinary)
    #: Where it came from: the file name, and for a master list its signer.
    source: Mapped[str] = mapped_column(Text)
    added_by: Mapped[str] = mapped_column(String(32))
    added_at: Mapped[str] = mapped_column(String(32))
