from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from services.kit.audit import AuditEntryMixin
from services.kit.db import OutboxMixin, ProcessedEventMixin, TimestampMixin, UtcDateTime, changes_touch


class Base(DeclarativeBase):
    pass


class Building(TimestampMixin, Base):
    __tablename__ = "building"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    address: Mapped[str | None] = mapped_column(String(300))
    floors: Mapped[int] = mapped_column(Integer)  # above ground, numbered 1..floors
    basement_floors: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # -1..-basement_floors
    unit_code: Mapped[str | None] = mapped_column(String(40), index=True)  # managing unit


class Room(TimestampMixin, Base):
    __tablename__ = "room"
    __table_args__ = (
        UniqueConstraint("building_id", "number", name="uq_room_building_number"),
        Index("ix_room_unit_code", "unit_code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("building.id"), index=True)
    number: Mapped[str] = mapped_column(String(40))
    floor: Mapped[int] = mapped_column(Integer)
    usable_area_m2: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    type: Mapped[str] = mapped_column(String(20))
    unit_code: Mapped[str | None] = mapped_column(String(40))  # occupying unit

    occupants: Mapped[list["Occupant"]] = relationship(
        back_populates="room", order_by="Occupant.id", cascade="all, delete-orphan")


class Occupant(TimestampMixin, Base):
    """A person sitting in an office room, with the rank that decides their allowance."""

    __tablename__ = "occupant"

    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("room.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    rank: Mapped[str] = mapped_column(String(20))
    unit_code: Mapped[str] = mapped_column(String(40), index=True)

    room: Mapped[Room] = relationship(back_populates="occupants")


class Allocation(TimestampMixin, Base):
    """调配/调剂: a room given to a unit, moved between units, or released."""

    __tablename__ = "allocation"

    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("room.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # allocation | reallocation | release
    from_unit_code: Mapped[str | None] = mapped_column(String(40), index=True)
    to_unit_code: Mapped[str | None] = mapped_column(String(40), index=True)
    allocated_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(String(500))
    allocated_by: Mapped[str] = mapped_column(String(100))


class Inspection(TimestampMixin, Base):
    """实地测量: a visit to a room; a measured area replaces the recorded one (kept here)."""

    __tablename__ = "inspection"

    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("room.id"), index=True)
    unit_code: Mapped[str | None] = mapped_column(String(40), index=True)  # the occupying unit then
    inspected_on: Mapped[date] = mapped_column(Date)
    inspector: Mapped[str] = mapped_column(String(100))
    recorded_area_m2: Mapped[Decimal] = mapped_column(Numeric(10, 2))  # before the visit
    measured_area_m2: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    notes: Mapped[str | None] = mapped_column(Text)

    rectifications: Mapped[list["Rectification"]] = relationship(
        back_populates="inspection", order_by="Rectification.id")


class Rectification(TimestampMixin, Base):
    """整改: a finding to put right by a deadline; closed only when verified."""

    __tablename__ = "rectification"

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspection.id"), index=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("room.id"), index=True)
    unit_code: Mapped[str | None] = mapped_column(String(40), index=True)
    finding: Mapped[str] = mapped_column(String(1000))
    deadline_on: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)  # open | done | verified
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    done_note: Mapped[str | None] = mapped_column(String(1000))
    verified_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    verified_by: Mapped[str | None] = mapped_column(String(100))
    overdue_notified_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    inspection: Mapped[Inspection] = relationship(back_populates="rectifications")


class Repair(TimestampMixin, Base):
    """维修工单."""

    __tablename__ = "repair"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_code: Mapped[str | None] = mapped_column(String(40), index=True)
    reporter: Mapped[str] = mapped_column(String(100))
    building_id: Mapped[int | None] = mapped_column(ForeignKey("building.id"), index=True)
    room_id: Mapped[int | None] = mapped_column(ForeignKey("room.id"))
    location: Mapped[str] = mapped_column(String(300))
    category: Mapped[str] = mapped_column(String(20), index=True)
    severity: Mapped[str] = mapped_column(String(10))
    description: Mapped[str | None] = mapped_column(String(2000))
    status: Mapped[str] = mapped_column(String(20), default="reported", index=True)
    reported_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    technician: Mapped[str | None] = mapped_column(String(100), index=True)
    assigned_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    work_note: Mapped[str | None] = mapped_column(String(2000))
    confirmed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    rating: Mapped[int | None] = mapped_column(Integer)
    complaints: Mapped[int] = mapped_column(Integer, default=0)
    last_complaint: Mapped[str | None] = mapped_column(String(2000))


class MeetingRoom(TimestampMixin, Base):
    __tablename__ = "meeting_room"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    building_id: Mapped[int | None] = mapped_column(ForeignKey("building.id"))
    location: Mapped[str | None] = mapped_column(String(300))
    capacity: Mapped[int] = mapped_column(Integer)
    equipment: Mapped[list] = mapped_column(JSON, default=list)


SINGLE_BOOKING = text("series_id IS NULL")


class Booking(TimestampMixin, Base):
    __tablename__ = "booking"
    __table_args__ = (
        Index("ix_booking_room_time", "meeting_room_id", "start_at", "end_at"),
        # a booking made again with its reference is the same booking (a series shares one)
        Index("uq_booking_reference", "reference", unique=True, sqlite_where=SINGLE_BOOKING,
              postgresql_where=SINGLE_BOOKING),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_room_id: Mapped[int] = mapped_column(ForeignKey("meeting_room.id"))
    title: Mapped[str] = mapped_column(String(200))
    unit_code: Mapped[str] = mapped_column(String(40), index=True)
    start_at: Mapped[datetime] = mapped_column(UtcDateTime)
    end_at: Mapped[datetime] = mapped_column(UtcDateTime)
    attendees: Mapped[int | None] = mapped_column(Integer)
    reference: Mapped[str | None] = mapped_column(String(100))  # the caller's id, e.g. reception's meeting
    series_id: Mapped[str | None] = mapped_column(String(36), index=True)
    status: Mapped[str] = mapped_column(String(20), default="booked")  # booked | cancelled
    booked_by: Mapped[str] = mapped_column(String(100))
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # when reception was found to hold the meeting of ``reference`` (then never asked again)
    meeting_checked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class ReleasedReference(Base):
    """A meeting reference reception abandoned: its bookings are released, and a booking asked
    for it later (an answer that came too late) is refused."""

    __tablename__ = "released_reference"

    reference: Mapped[str] = mapped_column(String(100), primary_key=True)
    released_at: Mapped[datetime] = mapped_column(UtcDateTime)


# equipment upkeep (设备设施维保) ---------------------------------------------------------
class Equipment(TimestampMixin, Base):
    __tablename__ = "equipment"

    id: Mapped[int] = mapped_column(primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("building.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    name: Mapped[str] = mapped_column(String(200))
    location: Mapped[str | None] = mapped_column(String(300))
    maker: Mapped[str | None] = mapped_column(String(200))
    model: Mapped[str | None] = mapped_column(String(200))
    serial: Mapped[str | None] = mapped_column(String(100))
    installed_on: Mapped[date | None] = mapped_column(Date)
    warranty_until_on: Mapped[date | None] = mapped_column(Date)
    explosive_site: Mapped[bool] = mapped_column(default=False)  # lightning protection tested twice a year
    extinguisher_agent: Mapped[str | None] = mapped_column(String(20))  # water | dry_powder | clean_agent | co2
    unit_code: Mapped[str | None] = mapped_column(String(40), index=True)  # the unit it serves, if one
    status: Mapped[str] = mapped_column(String(20), default="in_service", index=True)  # in_service | retired
    retired_on: Mapped[date | None] = mapped_column(Date)
    run_hours: Mapped[Decimal | None] = mapped_column(Numeric(12, 1))  # the latest meter reading


class Certificate(TimestampMixin, Base):
    __tablename__ = "certificate"

    id: Mapped[int] = mapped_column(primary_key=True)
    equipment_id: Mapped[int] = mapped_column(ForeignKey("equipment.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))  # e.g. 电梯定期检验报告, 使用登记证
    number: Mapped[str | None] = mapped_column(String(100))
    issuer: Mapped[str | None] = mapped_column(String(200))
    issued_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date] = mapped_column(Date, index=True)
    work_order_id: Mapped[int | None] = mapped_column(ForeignKey("work_order.id"))
    expiry_notified_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class MaintenancePlan(TimestampMixin, Base):
    __tablename__ = "maintenance_plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    equipment_id: Mapped[int] = mapped_column(ForeignKey("equipment.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))  # preventive | statutory
    every_days: Mapped[int | None] = mapped_column(Integer)
    every_months: Mapped[int | None] = mapped_column(Integer)
    every_run_hours: Mapped[int | None] = mapped_column(Integer)
    checklist: Mapped[list] = mapped_column(JSON, default=list)
    issues_certificate: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True, index=True)
    next_due_on: Mapped[date | None] = mapped_column(Date, index=True)  # by time
    last_done_on: Mapped[date | None] = mapped_column(Date)
    last_done_run_hours: Mapped[Decimal | None] = mapped_column(Numeric(12, 1))


class WorkOrder(TimestampMixin, Base):
    """A preventive or statutory job generated from a plan: one per plan and due date."""

    __tablename__ = "work_order"
    __table_args__ = (UniqueConstraint("plan_id", "due_on", name="uq_work_order_plan_due", info={"field": "due_on"}),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("maintenance_plan.id"), index=True)
    equipment_id: Mapped[int] = mapped_column(ForeignKey("equipment.id"), index=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("building.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # preventive | statutory
    title: Mapped[str] = mapped_column(String(300))
    due_on: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)
    items: Mapped[list] = mapped_column(JSON, default=list)
    technician: Mapped[str | None] = mapped_column(String(100), index=True)
    assigned_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    completed_on: Mapped[date | None] = mapped_column(Date)
    run_hours: Mapped[Decimal | None] = mapped_column(Numeric(12, 1))
    note: Mapped[str | None] = mapped_column(String(2000))
    findings: Mapped[list] = mapped_column(JSON, default=list)  # [{description, repair_id}]
    overdue_notified_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class MeterReading(TimestampMixin, Base):
    __tablename__ = "meter_reading"

    id: Mapped[int] = mapped_column(primary_key=True)
    equipment_id: Mapped[int] = mapped_column(ForeignKey("equipment.id"), index=True)
    read_at: Mapped[datetime] = mapped_column(UtcDateTime)
    read_on: Mapped[date] = mapped_column(Date)
    run_hours: Mapped[Decimal] = mapped_column(Numeric(12, 1))
    reader: Mapped[str] = mapped_column(String(100))


class EquipmentPurchase(TimestampMixin, Base):
    """设备更新添置: equipment bought, new or replacing an old one (which is retired)."""

    __tablename__ = "equipment_purchase"

    id: Mapped[int] = mapped_column(primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("building.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(String(500))
    cost_yuan: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    purchased_on: Mapped[date] = mapped_column(Date, index=True)
    supplier: Mapped[str | None] = mapped_column(String(200))
    equipment_id: Mapped[int | None] = mapped_column(ForeignKey("equipment.id"))  # what was bought, registered
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("equipment.id"))  # what it replaced


# patrols (安全保卫) and training ---------------------------------------------------------
class PatrolRoute(TimestampMixin, Base):
    __tablename__ = "patrol_route"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    site: Mapped[str] = mapped_column(String(200))  # 行政中心, 商务楼, 政府家属区 ...
    kind: Mapped[str] = mapped_column(String(20))  # security | no_smoking
    building_id: Mapped[int | None] = mapped_column(ForeignKey("building.id"))
    active: Mapped[bool] = mapped_column(default=True)

    checkpoints: Mapped[list["Checkpoint"]] = relationship(order_by="Checkpoint.position")


class Checkpoint(TimestampMixin, Base):
    __tablename__ = "checkpoint"

    id: Mapped[int] = mapped_column(primary_key=True)
    route_id: Mapped[int] = mapped_column(ForeignKey("patrol_route.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    location: Mapped[str | None] = mapped_column(String(300))
    unit_code: Mapped[str | None] = mapped_column(String(40))  # the unit whose area it is, if one
    token: Mapped[str] = mapped_column(String(40), unique=True)  # what its QR label's URL carries


class PatrolSchedule(TimestampMixin, Base):
    __tablename__ = "patrol_schedule"

    id: Mapped[int] = mapped_column(primary_key=True)
    route_id: Mapped[int] = mapped_column(ForeignKey("patrol_route.id"), index=True)
    starts: Mapped[str] = mapped_column(String(5))  # HH:MM local
    ends: Mapped[str] = mapped_column(String(5))
    every_minutes: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(default=True)


class Patrol(TimestampMixin, Base):
    """One walk of a route: planned from a schedule (one per schedule and start time) or begun by a
    guard's first scan."""

    __tablename__ = "patrol"
    __table_args__ = (UniqueConstraint("schedule_id", "slot_at", name="uq_patrol_schedule_slot",
                                       info={"field": "slot_at"}),)

    id: Mapped[int] = mapped_column(primary_key=True)
    route_id: Mapped[int] = mapped_column(ForeignKey("patrol_route.id"), index=True)
    schedule_id: Mapped[int | None] = mapped_column(ForeignKey("patrol_schedule.id"))
    kind: Mapped[str] = mapped_column(String(20))
    slot_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    window_end_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    status: Mapped[str] = mapped_column(String(20), default="scheduled", index=True)
    guard: Mapped[str | None] = mapped_column(String(100), index=True)
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    missed: Mapped[list] = mapped_column(JSON, default=list)  # checkpoint ids skipped
    flagged_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    scans: Mapped[list["PatrolScan"]] = relationship(order_by="PatrolScan.scanned_at")


class PatrolScan(Base):
    __tablename__ = "patrol_scan"
    __table_args__ = (UniqueConstraint("patrol_id", "checkpoint_id", name="uq_patrol_scan_checkpoint"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patrol_id: Mapped[int] = mapped_column(ForeignKey("patrol.id"), index=True)
    checkpoint_id: Mapped[int] = mapped_column(ForeignKey("checkpoint.id"))
    scanned_at: Mapped[datetime] = mapped_column(UtcDateTime)
    guard: Mapped[str] = mapped_column(String(100))


class PatrolFinding(TimestampMixin, Base):
    """What a patrol found: it opens a repair, or is itself rectified by a deadline."""

    __tablename__ = "patrol_finding"

    id: Mapped[int] = mapped_column(primary_key=True)
    patrol_id: Mapped[int | None] = mapped_column(ForeignKey("patrol.id"), index=True)
    checkpoint_id: Mapped[int | None] = mapped_column(ForeignKey("checkpoint.id"))
    kind: Mapped[str] = mapped_column(String(20), index=True)  # the patrol's: security | no_smoking
    category: Mapped[str] = mapped_column(String(30))  # fire_door_blocked, smoking, leak ...
    unit_code: Mapped[str | None] = mapped_column(String(40), index=True)
    location: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(String(2000))
    seen_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    reporter: Mapped[str] = mapped_column(String(100))
    opens: Mapped[str] = mapped_column(String(20))  # repair | rectification
    repair_id: Mapped[int | None] = mapped_column(ForeignKey("repair.id"))
    deadline_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)  # open | done | verified
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    done_note: Mapped[str | None] = mapped_column(String(1000))
    verified_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Training(TimestampMixin, Base):
    __tablename__ = "training"

    id: Mapped[int] = mapped_column(primary_key=True)
    held_on: Mapped[date] = mapped_column(Date, index=True)
    topic: Mapped[str] = mapped_column(String(300))
    category: Mapped[str] = mapped_column(String(20))  # security | fire | other
    hours: Mapped[Decimal] = mapped_column(Numeric(6, 1))
    trainer: Mapped[str | None] = mapped_column(String(100))
    attendees: Mapped[list] = mapped_column(JSON, default=list)  # names
    attendee_count: Mapped[int] = mapped_column(Integer)


class OutboxEvent(OutboxMixin, Base):
    pass


class ProcessedEvent(ProcessedEventMixin, Base):
    pass


class AuditEntry(AuditEntryMixin, Base):
    pass


# a room answers its occupant count, allowance and excess
changes_touch(Occupant, "room_id", Room, columns=("rank",))
