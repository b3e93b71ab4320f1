"""Vehicle rules as plain Python: no nameko, no database."""
from __future__ import annotations

import re
import statistics
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from services.kit.errors import Conflict, Invalid, RuleViolation
from services.vehicles.settings import SETTINGS, Settings

# Provinces' one-character abbreviations on Chinese plates (GA 36).
PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
# Ordinary plates carry 5 characters after the issuing letter; new-energy plates 6.
# I and O are never used, to avoid confusion with 1 and 0.
PLATE = re.compile(rf"^[{PROVINCES}][A-HJ-NP-Z][A-HJ-NP-Z0-9]{{5,6}}$")

# VIN check digit (ISO 3779; mandatory in China by GB 16735).
_VIN_VALUES = {
    **{str(d): d for d in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9))),
    **dict(zip("JKLMN", range(1, 6))), "P": 7, "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10))),
}
_VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)


def normalise_plate(raw: str) -> str:
    plate = re.sub(r"[\s·.\-]", "", raw).upper()
    if not PLATE.match(plate):
        raise Invalid("the plate is not a valid plate number", {"plate": ["not a valid plate number, e.g. 浙A12345"]})
    return plate


def vin_check_digit(vin: str) -> str:
    total = sum(_VIN_VALUES[ch] * weight for ch, weight in zip(vin, _VIN_WEIGHTS))
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


def normalise_vin(raw: str) -> str:
    vin = raw.strip().upper()
    if len(vin) != 17 or any(ch not in _VIN_VALUES for ch in vin):
        raise Invalid("the VIN is malformed", {"vin": ["17 characters, digits and letters other than I, O and Q"]})
    if vin[8] != vin_check_digit(vin):
        raise Invalid("the VIN's check digit is wrong", {"vin": ["check digit (9th character) does not match"]})
    return vin


# The rules of the fleet: plain values in, decisions out ---------------------------------
SHANGHAI = ZoneInfo("Asia/Shanghai")


def local_day(instant: datetime) -> date:
    """The calendar day in Asia/Shanghai (a "day" of every rule)."""
    return instant.astimezone(SHANGHAI).date()


# Quota (编制) -------------------------------------------------------------------------
def check_quota(unit_code: str, slots: int | None, occupied: int, settings: Settings = SETTINGS) -> None:
    """A vehicle takes a slot; disposed vehicles hold none (``occupied`` excludes them)."""
    if slots is None:
        if settings.quota_required:
            raise RuleViolation(f"unit {unit_code} has no vehicle quota", "vehicles.quota_exceeded",
                                {"unit_code": ["the unit has no quota (编制) for vehicles"]})
        return
    if occupied >= slots:
        raise RuleViolation(f"unit {unit_code} holds {occupied} of its {slots} quota slots",
                            "vehicles.quota_exceeded", {"unit_code": [f"all {slots} quota slots are taken"]},
                            {"occupied": occupied, "slots": slots})


def check_quota_shrink(slots: int, occupied: int) -> None:
    if slots < occupied:
        raise RuleViolation(f"the unit holds {occupied} vehicles, more than {slots} slots",
                            "vehicles.quota_below_fleet", {"slots": [f"at least {occupied}: the unit holds them"]},
                            {"occupied": occupied, "slots": slots})


# Vehicle status ----------------------------------------------------------------------
# Statuses a dispatcher sets by hand; ``dispatched`` follows the dispatch workflow and
# ``disposed`` the disposal, so neither is set directly.
MANUAL_STATUSES = ("available", "maintenance", "sealed")


def check_status_change(current: str, wanted: str, on_a_trip: bool) -> None:
    if wanted not in MANUAL_STATUSES:
        raise RuleViolation(f"status {wanted} follows its own workflow", "vehicles.status_workflow",
                            {"status": [f"one of {', '.join(MANUAL_STATUSES)}; dispatch and disposal set the others"]})
    if current == "disposed":
        raise Conflict("a disposed vehicle keeps its status")
    if on_a_trip:
        raise Conflict("the vehicle is out on a dispatch; it changes status when it returns")


def check_odometer_correction(reason: str | None) -> None:
    if not reason or not reason.strip():
        raise RuleViolation("an odometer correction needs a reason", "vehicles.odometer_correction_reason",
                            {"reason": ["required when the odometer is corrected"]})


# Drivers -----------------------------------------------------------------------------
@dataclass(frozen=True)
class LastMeeting:
    held_on: date
    attended: bool


def assignability_problems(licence_expires_on: date, status: str, on_day: date, last_meeting: LastMeeting | None,
                           settings: Settings = SETTINGS) -> dict[str, str]:
    """Why a driver may not drive on ``on_day``: rule code -> message (empty: assignable)."""
    problems = {}
    if status != "active":
        problems["vehicles.driver_inactive"] = f"the driver is {status}"
    if settings.block_expired_licence and licence_expires_on < on_day:
        problems["vehicles.licence_expired"] = f"the driving licence expired on {licence_expires_on.isoformat()}"
    if settings.block_missed_safety_meeting and last_meeting is not None and not last_meeting.attended:
        problems["vehicles.missed_safety_meeting"] = (
            f"the driver missed the safety meeting of {last_meeting.held_on.isoformat()}")
    return problems


def first_binding_meeting_day(joined: date, settings: Settings = SETTINGS) -> date:
    """The first day whose safety meeting a driver who joined on ``joined`` must attend: a driver
    registered after the last meeting is assignable until the next one is held."""
    return joined + timedelta(days=1) if settings.new_driver_bound_from_next_day else joined


def check_assignable(problems: dict[str, str]) -> None:
    if problems:
        rule, message = next(iter(problems.items()))
        raise RuleViolation(f"the driver cannot be assigned: {message}", rule,
                            {"driver_id": list(problems.values())})


# Dispatch workflow -------------------------------------------------------------------
# action -> (states it may start from, state it leads to)
TRANSITIONS = {
    "approve": (("requested",), "approved"),
    "reject": (("requested",), "rejected"),
    "assign": (("approved", "assigned"), "assigned"),
    "depart": (("assigned",), "departed"),
    "return": (("departed",), "returned"),
    "close": (("returned",), "closed"),
    "cancel": (("requested", "approved", "assigned"), "cancelled"),
}
# A dispatch in these states holds its vehicle and driver for its interval.
HOLDING = ("assigned", "departed")
# A dispatch in these states covers GPS trips of its vehicle (approved and carried out).
COVERING = ("assigned", "departed", "returned", "closed")


def allows(action: str, current: str) -> bool:
    return current in TRANSITIONS[action][0]


def next_status(action: str, current: str) -> str:
    allowed, target = TRANSITIONS[action]
    if current not in allowed:
        raise Conflict(f"{action}: not allowed for a {current} dispatch",
                       {"status": [f"is {current}; {action} needs {' or '.join(allowed)}"]})
    return target


def check_interval(start_at: datetime, end_at: datetime, start_field="start_at", end_field="end_at") -> None:
    if end_at <= start_at:
        raise Invalid("the end must come after the start", {end_field: [f"must be after {start_field}"]})


def check_request_start(start_at: datetime, now: datetime, settings: Settings = SETTINGS) -> None:
    """A request asks for a car to come: it starts no earlier than a short grace before now."""
    if start_at < now - timedelta(minutes=settings.request_past_grace_minutes):
        raise RuleViolation(f"a car request cannot start in the past ({local_day(start_at).isoformat()})",
                            "vehicles.request_in_past", {"start_at": ["must not lie in the past"]})


def overlaps(start_a: datetime, end_a: datetime, start_b: datetime, end_b: datetime) -> bool:
    """Half-open intervals: one ending when the other starts does not overlap."""
    return start_a < end_b and end_a > start_b


def check_seats(seats: int, passengers: int) -> None:
    if seats < passengers:
        raise RuleViolation(f"the vehicle seats {seats}, the dispatch carries {passengers}",
                            "vehicles.not_enough_seats", {"vehicle_id": [f"seats {seats} < passengers {passengers}"]},
                            {"seats": seats, "passengers": passengers})


ASSIGNABLE_VEHICLE_STATUSES = ("available", "dispatched")


def check_vehicle_assignable(status: str) -> None:
    if status not in ASSIGNABLE_VEHICLE_STATUSES:
        raise RuleViolation(f"a vehicle in status {status} cannot be assigned", "vehicles.vehicle_unavailable",
                            {"vehicle_id": [f"is {status}"]}, {"status": status})


@dataclass(frozen=True)
class Candidate:
    vehicle_id: int
    seats: int
    odometer_km: Decimal


def best_fit(candidates: list[Candidate], passengers: int) -> list[Candidate]:
    """Enough seats, fewest seats left empty first; then the least worn vehicle."""
    fitting = [c for c in candidates if c.seats >= passengers]
    return sorted(fitting, key=lambda c: (c.seats - passengers, c.odometer_km, c.vehicle_id))


def check_return_odometer(start_km: Decimal, end_km: Decimal) -> None:
    if end_km < start_km:
        raise RuleViolation(f"the odometer went backwards from {start_km} to {end_km}", "vehicles.odometer_backwards",
                            {"odometer_km": [f"must be at least {start_km}"]},
                            {"start_km": str(start_km), "end_km": str(end_km)})


def implausible_distance(distance_km: Decimal, since: datetime, until: datetime,
                         settings: Settings = SETTINGS) -> bool:
    """More kilometres than a car drives in the days between the readings."""
    days = max(Decimal(1), Decimal(str((until - since).total_seconds() / 86400)))
    return distance_km > Decimal(str(settings.odometer_max_km_per_day)) * days


# GPS monitoring ----------------------------------------------------------------------
@dataclass(frozen=True)
class Window:
    dispatch_id: int
    start_at: datetime
    end_at: datetime


def dispatch_window(dispatch_id, start_at, end_at, departed_at=None, returned_at=None,
                    settings: Settings = SETTINGS) -> Window:
    tolerance = timedelta(minutes=settings.gps_match_tolerance_minutes)
    start = min(filter(None, (start_at, departed_at)))
    end = max(filter(None, (end_at, returned_at)))
    return Window(dispatch_id, start - tolerance, end + tolerance)


def covering_dispatch(trip_start: datetime, trip_end: datetime, windows: list[Window]) -> int | None:
    for window in windows:
        if window.start_at <= trip_start and trip_end <= window.end_at:
            return window.dispatch_id
    return None


def trip_flag_kind(status_at_start: str | None, distance_km: Decimal, dispatch_id: int | None) -> str | None:
    """sealed_moved when a sealed vehicle moved at all; no_dispatch when nothing covers it."""
    if status_at_start == "sealed" and distance_km > 0:
        return "sealed_moved"
    if dispatch_id is None:
        return "no_dispatch"
    return None


# Flags -------------------------------------------------------------------------------
FLAG_TRANSITIONS = {
    "explain": (("open", "explained"), "explained"),
    "resolve": (("open", "explained"), None),  # resolved or violation, as the dispatcher decides
}


def check_flag_action(action: str, status: str) -> None:
    allowed, _ = FLAG_TRANSITIONS[action]
    if status not in allowed:
        raise Conflict(f"a {status} flag cannot be {'explained' if action == 'explain' else 'resolved'}",
                       {"status": [f"is {status}"]})


# Fuel --------------------------------------------------------------------------------
@dataclass(frozen=True)
class FuelCheck:
    distance_km: Decimal | None
    l_per_100km: Decimal | None
    flags: list  # (kind, detail)


def check_fuel_quantity(fuel_type: str, liters, kwh) -> None:
    """The quantity the vehicle's fuel is measured in: the vehicle's, so a rule (422)."""
    if fuel_type in ("gasoline", "diesel") and liters is None:
        raise RuleViolation("litres are required for this vehicle", "vehicles.fuel_quantity",
                            {"liters": ["required for a gasoline or diesel vehicle"]})
    if fuel_type == "electric" and kwh is None:
        raise RuleViolation("kWh are required for an electric vehicle", "vehicles.fuel_quantity",
                            {"kwh": ["required for an electric vehicle"]})
    if liters is None and kwh is None:
        raise Invalid("litres or kWh are required", {"liters": ["litres or kwh required"]})


def own_norm(fixed_norm: Decimal | None, history: list[Decimal], settings: Settings = SETTINGS) -> Decimal | None:
    """The vehicle's own consumption norm: the one set on it, else the median of its past."""
    if fixed_norm is not None:
        return Decimal(fixed_norm)
    if len(history) >= settings.consumption_min_samples:
        return Decimal(str(statistics.median(history)))
    return None


def check_fuel(previous_km: Decimal | None, previous_at: datetime | None, odometer_km: Decimal, filled_at: datetime,
               liters: Decimal | None, norm: Decimal | None, vendor_designated: bool, vendor_kind: str,
               settings: Settings = SETTINGS, registered: tuple[Decimal, datetime] | None = None) -> FuelCheck:
    """Litres per 100 km (full-tank method: this fill refills what was used since the
    last one) and every reason to flag the transaction. The first fill after registration
    (``registered``: the odometer and instant the vehicle was registered with) is held to the
    registered odometer; it gives no consumption (the tank's level at registration is unknown)."""
    flags = []
    if not vendor_designated or vendor_kind != "fuel":
        flags.append(("non_designated_vendor", "fuel bought at a vendor that is not a designated fuel station"))
    distance = consumption = None
    if previous_km is None and registered is not None and filled_at >= registered[1]:
        registered_km, registered_at = registered
        if odometer_km < registered_km:
            flags.append(("odometer", f"odometer {odometer_km} km is below the {registered_km} km registered"))
        elif implausible_distance(odometer_km - registered_km, registered_at, filled_at, settings):
            flags.append(("odometer", f"odometer jumped {odometer_km - registered_km} km since registration"))
    if previous_km is not None:
        distance = odometer_km - previous_km
        if distance < 0:
            flags.append(("odometer", f"odometer went backwards from {previous_km} to {odometer_km} km"))
            distance = None
        elif previous_at is not None and implausible_distance(distance, previous_at, filled_at, settings):
            flags.append(("odometer", f"odometer jumped {distance} km since the last reading"))
            distance = None
    if distance and liters is not None:
        consumption = (Decimal(liters) * 100 / distance).quantize(Decimal("0.01"))
        limit = norm * Decimal(str(settings.consumption_factor)) if norm is not None else None
        if limit is not None and consumption > limit:
            flags.append(("fuel_consumption", f"{consumption} L/100 km, above {limit.quantize(Decimal('0.01'))} "
                                              f"({settings.consumption_factor} x the vehicle's norm {norm})"))
    return FuelCheck(distance, consumption, flags)


def vendor_kind_for_record(record_kind: str) -> str:
    """Which designated vendor a service record must come from: an insurer for insurance."""
    return "insurance" if record_kind == "insurance" else "repair"


def vendor_flag(designated: bool, kind: str, wanted_kind: str) -> tuple[str, str] | None:
    if designated and kind == wanted_kind:
        return None
    return ("non_designated_vendor", f"{wanted_kind} at a vendor that is not a designated {wanted_kind} vendor")


# Maintenance reminders ---------------------------------------------------------------
@dataclass(frozen=True)
class Reminder:
    kind: str  # service | insurance | inspection
    state: str  # overdue | due_soon
    due_on: date | None
    due_km: Decimal | None


def service_reminder(last_on: date, last_km: Decimal, odometer_km: Decimal, today: date,
                     interval_km: int | None, interval_days: int | None,
                     settings: Settings = SETTINGS) -> Reminder | None:
    """Due by distance or by time, whichever comes first."""
    interval_km = interval_km or settings.service_interval_km
    interval_days = interval_days or settings.service_interval_days
    due_km = Decimal(last_km) + interval_km
    due_on = last_on + timedelta(days=interval_days)
    if odometer_km >= due_km or today >= due_on:
        state = "overdue"
    elif odometer_km >= due_km - settings.service_due_soon_km or today >= due_on - timedelta(days=settings.due_soon_days):
        state = "due_soon"
    else:
        return None
    return Reminder("service", state, due_on, due_km)


def last_service(recorded: tuple[date, Decimal] | None, taken_over: tuple[date, Decimal] | None,
                 purchased_on: date | None, registered_on: date) -> tuple[date, Decimal]:
    """The service reminders count from: the latest of the last service recorded and the one
    entered with the vehicle when the fleet was taken over; failing both, purchase (or
    registration) at 0 km."""
    known = [found for found in (recorded, taken_over) if found is not None]
    if known:
        return max(known, key=lambda found: found[0])
    return purchased_on or registered_on, Decimal(0)


def check_last_service(last_service_on: date | None, last_service_km: Decimal | None, odometer_km: Decimal) -> None:
    """A fleet's service history comes as a day and an odometer reading together, at most the odometer."""
    if (last_service_on is None) != (last_service_km is None):
        field = "last_service_odometer_km" if last_service_km is None else "last_service_on"
        raise Invalid("the last service needs both its day and its odometer reading",
                      {field: ["required with the other last_service field"]})
    if last_service_km is not None and last_service_km > odometer_km:  # well formed: the vehicle's reading decides
        raise RuleViolation("the last service's odometer reading is above the vehicle's odometer",
                            "vehicles.last_service_above_odometer",
                            {"last_service_odometer_km": [f"at most the odometer, {odometer_km}"]},
                            {"odometer_km": float(odometer_km)})


def expiry_reminder(kind: str, expires_on: date | None, today: date, settings: Settings = SETTINGS) -> Reminder | None:
    if expires_on is None:
        return None
    if expires_on < today:
        return Reminder(kind, "overdue", expires_on, None)
    if expires_on <= today + timedelta(days=settings.due_soon_days):
        return Reminder(kind, "due_soon", expires_on, None)
    return None


# Renewal and disposal ----------------------------------------------------------------
def renewal_eligible_on(purchased_on: date | None, settings: Settings = SETTINGS) -> date | None:
    if purchased_on is None:
        return None
    try:
        return purchased_on.replace(year=purchased_on.year + settings.renewal_years)
    except ValueError:  # 29 February
        return purchased_on.replace(year=purchased_on.year + settings.renewal_years, day=28)


def check_disposal(status: str, purchased_on: date | None, disposed_on: date, early_reason: str | None,
                   settings: Settings = SETTINGS) -> None:
    if status == "disposed":
        raise Conflict("the vehicle is already disposed")
    if status == "dispatched":
        raise Conflict("the vehicle is out on a dispatch")
    eligible_on = renewal_eligible_on(purchased_on, settings)
    if (eligible_on is None or disposed_on < eligible_on) and not (early_reason and early_reason.strip()):
        when = eligible_on.isoformat() if eligible_on else "unknown (no purchase date)"
        raise RuleViolation(f"the vehicle is eligible for renewal from {when}", "vehicles.renewal_too_early",
                            {"early_reason": [f"required before {settings.renewal_years} years of service"]},
                            {"eligible_on": when, "renewal_years": settings.renewal_years})
