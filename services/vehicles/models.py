from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.kit.audit import AuditEntryMixin
from services.kit.crypto import EncryptedString
from services.kit.db import OutboxMixin, ProcessedEventMixin, TimestampMixin, UtcDateTime, changes_touch, utcnow


class Base(DeclarativeBase):
    pass


class Quota(TimestampMixin, Base):
    """编制: how many vehicles a unit may hold (total slots, all categories together)."""

    __tablename__ = "quota"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_code: Mapped[str] = mapped_column(String(40), unique=True)
    slots: Mapped[int] = mapped_column(Integer)


class Vehicle(TimestampMixin, Base):
    __tablename__ = "vehicle"

    id: Mapped[int] = mapped_column(primary_key=True)
    plate: Mapped[str] = mapped_column(String(16), unique=True)
    vin: Mapped[str] = mapped_column(String(17), unique=True)
    make: Mapped[str] = mapped_column(String(60))
    model: Mapped[str] = mapped_column(String(60))
    category: Mapped[str] = mapped_column(String(24))
    seats: Mapped[int] = mapped_column(Integer)
    fuel_type: Mapped[str] = mapped_column(String(16))
    unit_code: Mapped[str] = mapped_column(String(40), index=True)
    purchased_on: Mapped[date | None] = mapped_column(Date)
    purchase_price_yuan: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    odometer_km: Mapped[Decimal] = mapped_column(Numeric(10, 1), default=Decimal("0"))
    # the odometer the vehicle was registered with: the first fuel fill is held to it
    registered_odometer_km: Mapped[Decimal | None] = mapped_column(Numeric(10, 1))
    # the last service before the vehicle was registered here (a fleet taken over with its history)
    last_service_on: Mapped[date | None] = mapped_column(Date)
    last_service_odometer_km: Mapped[Decimal | None] = mapped_column(Numeric(10, 1))
    status: Mapped[str] = mapped_column(String(16), default="available", index=True)
    fuel_norm_l_per_100km: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    insurance_expires_on: Mapped[date | None] = mapped_column(Date)
    inspection_due_on: Mapped[date | None] = mapped_column(Date)
    service_interval_km: Mapped[int | None] = mapped_column(Integer)
    service_interval_days: Mapped[int | None] = mapped_column(Integer)
    replaces_vehicle_id: Mapped[int | None] = mapped_column(ForeignKey("vehicle.id"))

    @property
    def renewal_eligible_on(self) -> date | None:
        from services.vehicles.domain import renewal_eligible_on

        return renewal_eligible_on(self.purchased_on)


class StatusChange(Base):
    """Every status a vehicle took, with who and why (sealing is read back from here)."""

    __tablename__ = "vehicle_status_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicle.id"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(200))
    changed_by: Mapped[str] = mapped_column(String(120))
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class OdometerCorrection(Base):
    __tablename__ = "odometer_correction"

    id: Mapped[int] = mapped_column(primary_key=True)
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicle.id"), index=True)
    old_km: Mapped[Decimal] = mapped_column(Numeric(10, 1))
    new_km: Mapped[Decimal] = mapped_column(Numeric(10, 1))
    reason: Mapped[str] = mapped_column(String(200))
    corrected_by: Mapped[str] = mapped_column(String(120))
    corrected_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Driver(TimestampMixin, Base):
    __tablename__ = "driver"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    staff_number: Mapped[str] = mapped_column(String(30), unique=True)
    licence_class: Mapped[str] = mapped_column(String(8))
    licence_expires_on: Mapped[date] = mapped_column(Date)
    phone: Mapped[str | None] = mapped_column(EncryptedString(30, "driver.phone"))  # personal: at rest encrypted
    status: Mapped[str] = mapped_column(String(16), default="active")


class SafetyMeeting(TimestampMixin, Base):
    __tablename__ = "safety_meeting"

    id: Mapped[int] = mapped_column(primary_key=True)
    held_on: Mapped[date] = mapped_column(Date, index=True)
    topic: Mapped[str] = mapped_column(String(200))


class MeetingAttendance(Base):
    __tablename__ = "safety_meeting_attendance"
    __table_args__ = (UniqueConstraint("meeting_id", "driver_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("safety_meeting.id"), index=True)
    driver_id: Mapped[int] = mapped_column(ForeignKey("driver.id"), index=True)


class Assessment(Base):
    """考核奖惩: a violation or a commendation in a driver's ledger."""

    __tablename__ = "assessment"

    id: Mapped[int] = mapped_column(primary_key=True)
    driver_id: Mapped[int] = mapped_column(ForeignKey("driver.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    occurred_on: Mapped[date] = mapped_column(Date)
    description: Mapped[str] = mapped_column(String(300))
    points: Mapped[int] = mapped_column(Integer, default=0)
    recorded_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Dispatch(TimestampMixin, Base):
    __tablename__ = "dispatch"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_code: Mapped[str] = mapped_column(String(40), index=True)
    purpose: Mapped[str] = mapped_column(String(200))
    passengers: Mapped[int] = mapped_column(Integer)
    origin: Mapped[str] = mapped_column(String(120))
    destination: Mapped[str] = mapped_column(String(120))
    start_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    end_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    status: Mapped[str] = mapped_column(String(16), default="requested", index=True)
    requested_by: Mapped[str] = mapped_column(String(120))
    decided_by: Mapped[str | None] = mapped_column(String(120))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    reject_reason: Mapped[str | None] = mapped_column(String(300))
    vehicle_id: Mapped[int | None] = mapped_column(ForeignKey("vehicle.id"), index=True)
    driver_id: Mapped[int | None] = mapped_column(ForeignKey("driver.id"), index=True)
    assigned_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    departed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)  # the statistics' period
    returned_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    odometer_start_km: Mapped[Decimal | None] = mapped_column(Numeric(10, 1))
    odometer_end_km: Mapped[Decimal | None] = mapped_column(Numeric(10, 1))
    distance_km: Mapped[Decimal | None] = mapped_column(Numeric(10, 1))
    fuel_liters: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    tolls_yuan: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    cost_yuan: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    cancel_reason: Mapped[str | None] = mapped_column(String(300))
    reference: Mapped[str | None] = mapped_column(String(100), index=True)  # the caller's, e.g. reception's meeting


class ReleasedReference(Base):
    """A meeting reference reception abandoned: its car requests are cancelled, and one asked
    for it later (an answer that came too late) is refused."""

    __tablename__ = "released_reference"

    reference: Mapped[str] = mapped_column(String(100), primary_key=True)
    released_at: Mapped[datetime] = mapped_column(UtcDateTime)


class GpsTrip(Base):
    __tablename__ = "gps_trip"

    id: Mapped[int] = mapped_column(primary_key=True)
    trip_id: Mapped[str] = mapped_column(String(64), unique=True)
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicle.id"), index=True)
    start_at: Mapped[datetime] = mapped_column(UtcDateTime)
    end_at: Mapped[datetime] = mapped_column(UtcDateTime)
    distance_km: Mapped[Decimal] = mapped_column(Numeric(10, 1))
    dispatch_id: Mapped[int | None] = mapped_column(ForeignKey("dispatch.id"))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Vendor(TimestampMixin, Base):
    """定点: a designated (or a known but not designated) fuel, repair or insurance vendor."""

    __tablename__ = "vendor"
    __table_args__ = (UniqueConstraint("name", "kind", info={"field": "name"}),)  # a name is taken per kind

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(16))
    designated: Mapped[bool] = mapped_column(Boolean, default=False)


class FuelTransaction(Base):
    __tablename__ = "fuel_transaction"

    id: Mapped[int] = mapped_column(primary_key=True)
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicle.id"), index=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendor.id"))
    card_number: Mapped[str | None] = mapped_column(String(40), index=True)
    filled_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    liters: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    kwh: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    amount_yuan: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    odometer_km: Mapped[Decimal] = mapped_column(Numeric(10, 1))
    distance_km: Mapped[Decimal | None] = mapped_column(Numeric(10, 1))
    l_per_100km: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    recorded_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class ServiceRecord(Base):
    __tablename__ = "service_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicle.id"), index=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendor.id"))
    kind: Mapped[str] = mapped_column(String(16))  # service | repair | insurance
    serviced_on: Mapped[date] = mapped_column(Date)
    odometer_km: Mapped[Decimal] = mapped_column(Numeric(10, 1))
    description: Mapped[str] = mapped_column(String(300))
    cost_yuan: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    recorded_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class VehicleFlag(TimestampMixin, Base):
    __tablename__ = "vehicle_flag"

    id: Mapped[int] = mapped_column(primary_key=True)
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicle.id"), index=True)
    unit_code: Mapped[str] = mapped_column(String(40), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    detail: Mapped[str] = mapped_column(String(300))
    trip_id: Mapped[str | None] = mapped_column(String(64))
    fuel_transaction_id: Mapped[int | None] = mapped_column(ForeignKey("fuel_transaction.id"))
    service_record_id: Mapped[int | None] = mapped_column(ForeignKey("service_record.id"))
    dispatch_id: Mapped[int | None] = mapped_column(ForeignKey("dispatch.id"))
    explanation: Mapped[str | None] = mapped_column(Text)
    explained_by: Mapped[str | None] = mapped_column(String(120))
    explained_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    resolution: Mapped[str | None] = mapped_column(Text)
    resolved_by: Mapped[str | None] = mapped_column(String(120))
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Disposal(Base):
    __tablename__ = "disposal"

    id: Mapped[int] = mapped_column(primary_key=True)
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicle.id"), unique=True)
    unit_code: Mapped[str] = mapped_column(String(40), index=True)
    method: Mapped[str] = mapped_column(String(16))
    disposed_on: Mapped[date] = mapped_column(Date)
    proceeds_yuan: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    early_reason: Mapped[str | None] = mapped_column(String(300))
    recorded_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class OutboxEvent(OutboxMixin, Base):
    pass


class ProcessedEvent(ProcessedEventMixin, Base):
    pass


class AuditEntry(AuditEntryMixin, Base):
    pass


# a quota answers its occupied and free slots; a driver whether the last safety meeting keeps it assignable
changes_touch(Vehicle, "unit_code", Quota, "unit_code", columns=("status",))
changes_touch(MeetingAttendance, "driver_id", Driver)
