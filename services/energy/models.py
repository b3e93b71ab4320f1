from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, LargeBinary, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.kit.audit import AuditEntryMixin
from services.kit.db import OutboxMixin, ProcessedEventMixin, TimestampMixin, UtcDateTime, changes_touch, utcnow


class Base(DeclarativeBase):
    pass


class Institution(TimestampMixin, Base):
    __tablename__ = "institution"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    group: Mapped[str] = mapped_column(String(40), default="general", server_default="general")  # benchmarking peer group
    headcount: Mapped[int] = mapped_column(Integer)
    floor_area_m2: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    area_source: Mapped[str | None] = mapped_column(String(20))  # facilities | manual


class UnitFloorArea(Base):
    """Energy's own copy of each unit's usable area, kept from facilities' events."""

    __tablename__ = "unit_floor_area"

    unit_code: Mapped[str] = mapped_column(String(40), primary_key=True)
    usable_area_m2: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    as_of: Mapped[datetime] = mapped_column(UtcDateTime)  # occurred_at of the event applied


class EnergyImport(Base):
    """One uploaded sheet: a job the service runs off the request (queued, running, succeeded or
    failed), its progress and its row-by-row report."""

    __tablename__ = "energy_import"

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(255))
    format: Mapped[str] = mapped_column(String(8))  # xlsx | csv
    unit_code: Mapped[str | None] = mapped_column(String(40), index=True)  # set when a unit user imported
    status: Mapped[str] = mapped_column(String(10), default="queued", server_default="succeeded", index=True)
    rows_total: Mapped[int] = mapped_column(Integer, default=0)  # data rows; known once the sheet is read
    rows_done: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    rows_imported: Mapped[int] = mapped_column(Integer, default=0)
    rows_rejected: Mapped[int] = mapped_column(Integer, default=0)
    readings_created: Mapped[int] = mapped_column(Integer, default=0)
    readings_corrected: Mapped[int] = mapped_column(Integer, default=0)
    readings_unchanged: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[list] = mapped_column(JSON, default=list)  # [{"row": n, "errors": {field: [message]}}]
    error: Mapped[dict | None] = mapped_column(JSON)  # why a failed job failed: {"detail", "rule", "errors"}
    content: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)  # the sheet, until the job ends
    caller: Mapped[str | None] = mapped_column(Text)  # who sent it (Caller.to_wire): the job acts for them
    request_id: Mapped[str | None] = mapped_column(String(80))
    claim: Mapped[str | None] = mapped_column(String(32))  # the run that holds the job
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime)  # its lease, or a retry's time
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Reading(TimestampMixin, Base):
    """A month's consumption of one type at one institution; a correction keeps the old value."""

    __tablename__ = "reading"
    __table_args__ = (UniqueConstraint("institution_id", "period", "energy_type"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institution.id"), index=True)
    unit_code: Mapped[str] = mapped_column(String(40), index=True)
    period: Mapped[str] = mapped_column(String(7), index=True)  # YYYY-MM
    energy_type: Mapped[str] = mapped_column(String(20))
    quantity: Mapped[Decimal] = mapped_column(Numeric(16, 3))
    unit: Mapped[str] = mapped_column(String(8))
    source: Mapped[str] = mapped_column(String(10))  # api | import
    import_id: Mapped[int | None] = mapped_column(ForeignKey("energy_import.id"))
    recorded_by: Mapped[str] = mapped_column(String(120))


class ReadingRevision(Base):
    """A value a correction replaced."""

    __tablename__ = "reading_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    reading_id: Mapped[int] = mapped_column(ForeignKey("reading.id"), index=True)
    quantity: Mapped[Decimal] = mapped_column(Numeric(16, 3))
    unit: Mapped[str] = mapped_column(String(8))
    source: Mapped[str] = mapped_column(String(10))
    import_id: Mapped[int | None] = mapped_column(ForeignKey("energy_import.id"))
    recorded_by: Mapped[str] = mapped_column(String(120))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)  # when the replaced value was recorded
    replaced_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    replaced_by: Mapped[str] = mapped_column(String(120))


class Target(TimestampMixin, Base):
    """A target set for one institution and year (absent figures fall back to the plan)."""

    __tablename__ = "target"
    __table_args__ = (UniqueConstraint("institution_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institution.id"), index=True)
    unit_code: Mapped[str] = mapped_column(String(40), index=True)
    year: Mapped[int] = mapped_column(Integer)
    per_area_kgce_m2: Mapped[Decimal | None] = mapped_column(Numeric(12, 3))
    per_person_kgce: Mapped[Decimal | None] = mapped_column(Numeric(12, 3))
    water_per_person_m3: Mapped[Decimal | None] = mapped_column(Numeric(12, 3))
    per_area_kgco2_m2: Mapped[Decimal | None] = mapped_column(Numeric(12, 3))


class RiskFlag(Base):
    """An institution whose year-to-date trend misses a target (one row per indicator and year)."""

    __tablename__ = "risk_flag"
    __table_args__ = (UniqueConstraint("institution_id", "year", "indicator"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institution.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    indicator: Mapped[str] = mapped_column(String(40))
    at_risk: Mapped[bool] = mapped_column(Boolean)
    projected: Mapped[Decimal] = mapped_column(Numeric(14, 3))
    target: Mapped[Decimal] = mapped_column(Numeric(14, 3))
    evaluated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


class FleetFuel(Base):
    """The transport ledger: one fuel or charging transaction of a fleet vehicle."""

    __tablename__ = "fleet_fuel"

    id: Mapped[int] = mapped_column(primary_key=True)
    transaction_id: Mapped[int] = mapped_column(Integer, unique=True)
    vehicle_id: Mapped[int] = mapped_column(Integer, index=True)
    unit_code: Mapped[str] = mapped_column(String(40), index=True)
    fuel_type: Mapped[str] = mapped_column(String(20))
    liters: Mapped[Decimal | None] = mapped_column(Numeric(12, 3))
    kwh: Mapped[Decimal | None] = mapped_column(Numeric(12, 3))
    amount_yuan: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    filled_at: Mapped[datetime] = mapped_column(UtcDateTime)
    period: Mapped[str] = mapped_column(String(7), index=True)  # YYYY-MM in Asia/Shanghai
    event_id: Mapped[str] = mapped_column(String(36))


class Audit(TimestampMixin, Base):
    __tablename__ = "audit"

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institution.id"), index=True)
    unit_code: Mapped[str] = mapped_column(String(40), index=True)
    audited_on: Mapped[date] = mapped_column(Date)
    auditor: Mapped[str] = mapped_column(String(200))
    scope: Mapped[str | None] = mapped_column(Text)
    findings: Mapped[str | None] = mapped_column(Text)
    potential_saving_kgce: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))


class Project(TimestampMixin, Base):
    """A retrofit (节能改造), e.g. LED lighting."""

    __tablename__ = "project"

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institution.id"), index=True)
    unit_code: Mapped[str] = mapped_column(String(40), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(30))
    scope: Mapped[str | None] = mapped_column(Text)
    energy_type: Mapped[str | None] = mapped_column(String(20))  # None: all energy in kgce
    investment_yuan: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    expected_saving_rate: Mapped[Decimal] = mapped_column(Numeric(6, 4))
    unit_price_yuan: Mapped[Decimal | None] = mapped_column(Numeric(10, 4))  # per base unit (kWh, m3, kg, MJ, kgce)
    completed_on: Mapped[date | None] = mapped_column(Date)


class Assessment(TimestampMixin, Base):
    """A 节约型机关 self-assessment or spot check against the score sheet."""

    __tablename__ = "assessment"

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institution.id"), index=True)
    unit_code: Mapped[str] = mapped_column(String(40), index=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    kind: Mapped[str] = mapped_column(String(20))  # self_assessment | spot_check
    scores: Mapped[dict] = mapped_column(JSON)
    total_score: Mapped[int] = mapped_column(Integer)
    must_pass_met: Mapped[bool] = mapped_column(Boolean)
    passed: Mapped[bool] = mapped_column(Boolean)
    assessed_on: Mapped[date] = mapped_column(Date)
    assessed_by: Mapped[str] = mapped_column(String(120))


class WasteRecord(TimestampMixin, Base):
    __tablename__ = "waste_record"
    __table_args__ = (UniqueConstraint("institution_id", "period", "category"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institution.id"), index=True)
    unit_code: Mapped[str] = mapped_column(String(40), index=True)
    period: Mapped[str] = mapped_column(String(7), index=True)
    category: Mapped[str] = mapped_column(String(20))
    weight_kg: Mapped[Decimal] = mapped_column(Numeric(12, 2))


class DemonstrationSite(TimestampMixin, Base):
    """A waste-sorting demonstration site (示范单位)."""

    __tablename__ = "demonstration_site"

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institution.id"), unique=True,
                                                info={"field": "unit_code"})  # a site is designated by unit
    unit_code: Mapped[str] = mapped_column(String(40), index=True)
    level: Mapped[str] = mapped_column(String(20))  # county | city | province | national
    designated_on: Mapped[date] = mapped_column(Date)


class Campaign(TimestampMixin, Base):
    """A creation campaign (创建活动) among the units: its years, criteria sheet and pass line."""

    __tablename__ = "campaign"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30), index=True)
    name: Mapped[str] = mapped_column(String(200))
    years: Mapped[list] = mapped_column(JSON)  # [2025] or [2025, 2026]
    first_year: Mapped[int] = mapped_column(Integer, index=True)
    last_year: Mapped[int] = mapped_column(Integer, index=True)
    criteria: Mapped[list] = mapped_column(JSON)  # [{code, name, max_score, must_pass, source}]
    pass_score: Mapped[int] = mapped_column(Integer)


class CampaignUnit(Base):
    """A participating unit."""

    __tablename__ = "campaign_unit"

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"), primary_key=True)
    unit_code: Mapped[str] = mapped_column(String(40), primary_key=True)


class CampaignApplication(TimestampMixin, Base):
    """A unit's application (申报)."""

    __tablename__ = "campaign_application"
    __table_args__ = (UniqueConstraint("campaign_id", "unit_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"), index=True)
    unit_code: Mapped[str] = mapped_column(String(40), index=True)
    statement: Mapped[str | None] = mapped_column(Text)
    applied_on: Mapped[date] = mapped_column(Date)
    applied_by: Mapped[str] = mapped_column(String(120))


class CampaignEvaluation(TimestampMixin, Base):
    """A unit's self-assessment or the center's spot check (抽查) against the campaign's sheet."""

    __tablename__ = "campaign_evaluation"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"), index=True)
    unit_code: Mapped[str] = mapped_column(String(40), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # self_assessment | spot_check
    scores: Mapped[dict] = mapped_column(JSON)
    total_score: Mapped[int] = mapped_column(Integer)
    must_pass_met: Mapped[bool] = mapped_column(Boolean)
    passed: Mapped[bool] = mapped_column(Boolean)
    assessed_on: Mapped[date] = mapped_column(Date)
    assessed_by: Mapped[str] = mapped_column(String(120))
    remarks: Mapped[str | None] = mapped_column(Text)
    legacy_assessment_id: Mapped[int | None] = mapped_column(Integer, unique=True)  # moved from ``assessment``


class CampaignEvidence(Base):
    """An evidence file of an evaluation."""

    __tablename__ = "campaign_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("campaign_evaluation.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)


class HealthActivity(TimestampMixin, Base):
    """A health activity (工间操, 健步走, ball games, talks) with its participants."""

    __tablename__ = "health_activity"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_code: Mapped[str] = mapped_column(String(40), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    held_on: Mapped[date] = mapped_column(Date, index=True)
    participants: Mapped[int] = mapped_column(Integer)
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaign.id"), index=True)


class SmokingFinding(Base):
    """Energy's copy of a no-smoking patrol finding (控烟巡查), kept from facilities' events."""

    __tablename__ = "smoking_finding"

    finding_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_code: Mapped[str] = mapped_column(String(40), index=True)
    place: Mapped[str | None] = mapped_column(String(200))
    found_at: Mapped[datetime] = mapped_column(UtcDateTime)
    year: Mapped[int] = mapped_column(Integer, index=True)  # of found_at in Asia/Shanghai


class OutboxEvent(OutboxMixin, Base):
    pass


class ProcessedEvent(ProcessedEventMixin, Base):
    pass


class AuditEntry(AuditEntryMixin, Base):
    pass


# a retrofit answers its saving rate and payback measured from its institution's readings
changes_touch(Reading, "institution_id", Project, "institution_id",
              columns=("period", "energy_type", "quantity", "unit"))
