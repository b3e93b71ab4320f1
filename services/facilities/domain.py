"""Facilities rules as plain Python: no nameko, no database.

Every function that depends on the time takes ``now`` (an aware datetime) from its
caller, so the rules are tested with any clock; the service passes the real one.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Iterable, Mapping

from services.kit.errors import Conflict, Invalid, RuleViolation
from services.facilities.settings import Settings

ZERO = Decimal("0")


def local_date(instant: datetime, settings: Settings) -> date:
    """The calendar day of ``instant`` where the center is (a "day" of the rules)."""
    return instant.astimezone(settings.timezone).date()


def utc(instant: datetime) -> datetime:
    """Answers carry UTC whatever offset a time came with (API.md: consistently)."""
    return instant.astimezone(timezone.utc)


def end_of_day(day: date, settings: Settings) -> datetime:
    return datetime.combine(day, time(23, 59, 59), settings.timezone)


def check_transition(what: str, status: str, action: str, allowed_from: Mapping[str, Iterable[str]]) -> None:
    """Wrong state for an action is a conflict (API.md: 409)."""
    if status not in allowed_from[action]:
        raise Conflict(f"cannot {action} a {what} that is {status}", {"status": [f"is {status}"]})


# rooms and the office-area standard ---------------------------------------------
@dataclass(frozen=True)
class Occupancy:
    """What decides a unit's area: which unit holds a room, in which building, how large."""

    building_id: int
    unit_code: str | None
    usable_area_m2: Decimal


def check_room_occupancy(room_type: str, unit_code: str | None) -> None:
    if room_type == "vacant" and unit_code:
        raise RuleViolation(
            "a vacant room has no occupying unit", "facilities.vacant_room_occupied",
            {"unit_code": ["must be empty for a vacant room"]},
        )


def units_with_changed_area(before: Occupancy | None, after: Occupancy) -> set[tuple[int, str]]:
    """(building, unit) pairs whose usable area a room change alters."""
    if before == after:
        return set()
    pairs = set()
    for occupancy in (before, after):
        if occupancy is not None and occupancy.unit_code:
            pairs.add((occupancy.building_id, occupancy.unit_code))
    return pairs


@dataclass(frozen=True)
class Assessment:
    """A room measured against the office-area standard."""

    allowance_m2: Decimal
    excess_m2: Decimal

    @property
    def over_standard(self) -> bool:
        return self.excess_m2 > ZERO


def allowance_m2(ranks: Iterable[str], settings: Settings) -> Decimal:
    """The sum of the occupants' allowances by rank (2014 standard, configurable)."""
    return sum((settings.allowance_m2[rank] for rank in ranks), ZERO)


def assess_room(room_type: str, unit_code: str | None, usable_area_m2: Decimal, ranks: Iterable[str],
                settings: Settings) -> Assessment:
    """Only office rooms a unit holds are judged: a meeting or equipment room has no
    per-person allowance, and a free room is nobody's excess. An office with no
    registered occupants has an allowance of 0, so all of its area is excess."""
    allowance = allowance_m2(ranks, settings)
    if room_type != "office" or not unit_code:
        return Assessment(allowance, ZERO)
    return Assessment(allowance, max(Decimal(usable_area_m2) - allowance, ZERO))


def became_over_standard(before: Assessment | None, after: Assessment) -> bool:
    return after.over_standard and not (before is not None and before.over_standard)


def check_floor(floor: int, floors: int, basement_floors: int) -> None:
    """A room lies on one of its building's floors: 1..floors above ground, -1..-basement_floors
    below (there is no floor 0)."""
    if floor == 0 or floor > floors or floor < -basement_floors:
        below = f" or -1..-{basement_floors}" if basement_floors else ""
        raise RuleViolation(
            f"the building has floors 1..{floors}{below}; there is no floor {floor}",
            "facilities.floor_not_in_building",
            {"floor": [f"1..{floors}{below} (the building's floors)"]},
        )


def check_occupant_room(room_type: str, unit_code: str | None) -> None:
    """People sit in rooms a unit holds; a vacant room has no occupants."""
    if room_type == "vacant" or not unit_code:
        raise RuleViolation(
            "occupants are registered only in a room that a unit occupies", "facilities.room_not_allocated",
            {"room_id": ["the room has no occupying unit"]},
        )


def need_m2(head_count: Mapping[str, int], settings: Settings) -> Decimal:
    """The office area a unit's people are allowed: count × allowance, summed over ranks."""
    return sum((settings.allowance_m2[rank] * count for rank, count in head_count.items() if count), ZERO)


def vacancy_area_cap(need: Decimal) -> Decimal | None:
    """A vacant room fits a need when those people would not make it over-standard
    (its area is at most their allowance); with no head count given (need 0) every
    vacant room is listed."""
    return need if need > ZERO else None


def allocation_kind(from_unit: str | None, to_unit: str | None) -> str:
    """调配 (a free room to a unit), 调剂 (from one unit to another), or a release."""
    if to_unit is None:
        return "release"
    return "allocation" if from_unit is None else "reallocation"


def check_allocation(from_unit: str | None, to_unit: str | None, occupant_count: int) -> None:
    if from_unit == to_unit:
        raise Conflict("the room is already held by that unit" if to_unit else "the room is already vacant",
                       {"unit_code": ["no change"]})
    if occupant_count:
        raise RuleViolation(
            f"the room still has {occupant_count} occupant(s) of {from_unit}; move them out first",
            "facilities.room_has_occupants", {"room_id": ["has occupants"]},
            {"occupants": occupant_count, "from_unit": from_unit},
        )


def room_type_after_allocation(room_type: str, kind: str, requested: str | None) -> str:
    """A released office becomes vacant; a vacant room given to a unit becomes an office
    unless another type is asked for."""
    if requested:
        return requested
    if kind == "release" and room_type == "office":
        return "vacant"
    if kind != "release" and room_type == "vacant":
        return "office"
    return room_type


# inspections and rectifications --------------------------------------------------
RECTIFICATION_ACTIONS = {"complete": ("open",), "verify": ("done",)}


def check_deadline(deadline_on: date, inspected_on: date) -> None:
    """``inspected_on`` is today when not given: a rule of the day, not malformed input."""
    if deadline_on < inspected_on:
        raise RuleViolation("a deadline cannot precede the inspection", "facilities.deadline_before_inspection",
                            {"findings": ["deadline_on is before inspected_on"]})


RECTIFICATION_OVERDUE_STATUSES = ("open",)


def rectification_overdue(status: str, deadline_on: date, today: date) -> bool:
    """Overdue: not done by the end of its deadline day (done ones wait for verification)."""
    return status in RECTIFICATION_OVERDUE_STATUSES and deadline_on < today


RECTIFICATION_DONE_STATUSES = ("done", "verified")


def inspection_figures(inspections: int, rectifications: Iterable[tuple[str, date]], today: date,
                       units: Iterable[str | None] = (), allocation_kinds: Iterable[str] = ()) -> dict:
    """Inspections, the units whose offices they visited (each unit once), the rectifications
    they raised (status, deadline), those put right (done or verified), the completion rate
    (整改完成率) and those overdue today; and the rooms allocated or re-allocated (调配/调剂; a
    release gives no room to anyone and is not counted)."""
    rectifications = list(rectifications)
    done = sum(1 for status, _ in rectifications if status in RECTIFICATION_DONE_STATUSES)
    kinds = list(allocation_kinds)
    return {
        "inspections": inspections,
        "units_inspected": len({unit for unit in units if unit}),
        "allocations": sum(1 for kind in kinds if kind == "allocation"),
        "reallocations": sum(1 for kind in kinds if kind == "reallocation"),
        "rectifications": len(rectifications),
        "rectifications_done": done,
        "rectification_rate": _rate(done, len(rectifications)),
        "rectifications_overdue": sum(rectification_overdue(status, deadline_on, today)
                                      for status, deadline_on in rectifications),
    }


# repairs -------------------------------------------------------------------------
REPAIR_ACTIONS = {
    "assign": ("reported", "assigned", "reopened"),
    "start": ("assigned",),
    "complete": ("in_progress",),
    "confirm": ("done",),
    "reopen": ("done",),
}
FINISHED = ("done", "confirmed")


def repair_due_at(reported_at: datetime, severity: str, settings: Settings) -> datetime:
    """小修不过夜，大修不隔天: a minor repair by the end of the day reported, a major one
    by the end of the next day (local days; the number of days is configurable)."""
    days = settings.minor_repair_due_days if severity == "minor" else settings.major_repair_due_days
    return end_of_day(local_date(reported_at, settings) + timedelta(days=days), settings)


def check_started_after(reported_at: datetime, started_at: datetime) -> None:
    if started_at < reported_at:
        raise RuleViolation("a repair cannot be started before it was reported", "facilities.started_before_reported",
                            {"started_at": ["must not precede reported_at"]})


def check_completed_after(reported_at: datetime, started_at: datetime | None, completed_at: datetime) -> None:
    if completed_at < reported_at:
        raise RuleViolation("a repair cannot be done before it was reported", "facilities.completed_before_reported",
                            {"completed_at": ["must not precede reported_at"]})
    if started_at is not None and completed_at < started_at:
        raise RuleViolation("a repair cannot be done before it was started", "facilities.completed_before_started",
                            {"completed_at": ["must not precede started_at"]})


def repair_overdue(status: str, due_at: datetime, now: datetime) -> bool:
    return status not in FINISHED and due_at < now


def finished_on_time(due_at: datetime, completed_at: datetime | None) -> bool | None:
    return None if completed_at is None else completed_at <= due_at


@dataclass(frozen=True)
class RepairFacts:
    """What the figures need of one work order."""

    status: str
    reported_at: datetime
    due_at: datetime
    completed_at: datetime | None
    complaints: int
    rating: int | None
    category: str = "other"
    building_id: int | None = None


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def repair_figures(repairs: Iterable[RepairFacts]) -> dict:
    """Count, completion rate (办结率: done or confirmed over reported), on-time rate
    (finished by the due time over finished), mean time to repair in hours (over
    finished), complaints (reopenings), mean satisfaction rating."""
    repairs = list(repairs)
    finished = [r for r in repairs if r.status in FINISHED and r.completed_at is not None]
    on_time = [r for r in finished if r.completed_at <= r.due_at]
    hours = [(r.completed_at - r.reported_at).total_seconds() / 3600 for r in finished]
    ratings = [r.rating for r in repairs if r.rating is not None]
    return {
        "count": len(repairs),
        "completed": len(finished),
        "completion_rate": _rate(len(finished), len(repairs)),
        "on_time": len(on_time),
        "on_time_rate": _rate(len(on_time), len(finished)),
        "mean_hours_to_repair": round(sum(hours) / len(hours), 2) if hours else None,
        "complaints": sum(r.complaints for r in repairs),
        "mean_rating": round(sum(ratings) / len(ratings), 2) if ratings else None,
    }


def repair_figures_by(repairs: Iterable[RepairFacts], key: str) -> list[dict]:
    groups: dict = defaultdict(list)
    for repair in repairs:
        groups[getattr(repair, key)].append(repair)
    return [{key: value, **repair_figures(group)}
            for value, group in sorted(groups.items(), key=lambda item: (item[0] is None, item[0] or 0))]


# meeting rooms ---------------------------------------------------------------------
def overlaps(start: datetime, end: datetime, other_start: datetime, other_end: datetime) -> bool:
    return start < other_end and end > other_start


def check_booking_window(start_at: datetime, end_at: datetime, now: datetime, settings: Settings) -> None:
    """A booking is for a meeting to come: it starts no earlier than a short grace before
    now, and each occurrence lasts at most ``booking_max_hours``."""
    if start_at < now - timedelta(minutes=settings.booking_past_grace_minutes):
        raise RuleViolation(
            f"a booking cannot start in the past ({local_date(start_at, settings).isoformat()})",
            "facilities.booking_in_past", {"start_at": ["must not lie in the past"]},
        )
    if end_at - start_at > timedelta(hours=settings.booking_max_hours):
        raise RuleViolation(
            f"a booking lasts at most {settings.booking_max_hours} hours", "facilities.booking_too_long",
            {"end_at": [f"at most {settings.booking_max_hours} hours after start_at"]},
        )


def check_availability_span(start: datetime, end: datetime, settings: Settings) -> None:
    """The free/busy read covers a day, a week or a month: from before to, at most
    ``availability_max_days`` apart."""
    if end <= start:
        raise Invalid("the span ends before it starts", {"to": ["must be after from"]})
    if end - start > timedelta(days=settings.availability_max_days):
        raise Invalid(f"the span covers at most {settings.availability_max_days} days",
                      {"to": [f"at most {settings.availability_max_days} days after from"]})


def busy_interval(start_at: datetime, end_at: datetime, unit_code: str, title: str, booking_id: int,
                  viewer_unit: str | None) -> dict:
    """One busy interval of a room as ``viewer_unit`` may see it: staff (None) and the booking
    unit see what it is; another unit sees only that the room is taken, never by whom or why."""
    shown = booking_shown(unit_code, viewer_unit)
    return {"start_at": start_at, "end_at": end_at, "own": viewer_unit == unit_code,
            "booking_id": booking_id if shown else None, "title": title if shown else None,
            "unit_code": unit_code if shown else None}


def booking_shown(unit_code: str, viewer_unit: str | None) -> bool:
    """Whether a booking's title and unit may be shown to ``viewer_unit`` (None: staff)."""
    return viewer_unit is None or viewer_unit == unit_code


def check_occurrences_apart(wanted: list[tuple[datetime, datetime]], settings: Settings) -> None:
    """A series' occurrences must not overlap one another either (each would clash with the
    next); the refusal names them, as a clash with another booking does (409)."""
    ordered = sorted(wanted)
    pairs = [(first, second) for first, second in zip(ordered, ordered[1:])
             if overlaps(first[0], first[1], second[0], second[1])]
    if pairs:
        named = [f"{local_date(a[0], settings).isoformat()} and {local_date(b[0], settings).isoformat()}"
                 for a, b in pairs]
        raise Conflict(f"the occurrences overlap one another: {', '.join(named)}",
                       {"recurrence": [f"occurrences of {pair} overlap" for pair in named]})


def check_capacity(attendees: int | None, capacity: int) -> None:
    if attendees is not None and attendees > capacity:
        raise RuleViolation(
            f"{attendees} attendees exceed the room's capacity of {capacity}", "facilities.capacity_exceeded",
            {"attendees": [f"at most {capacity}"]}, {"attendees": attendees, "capacity": capacity},
        )


def occurrences(start_at: datetime, end_at: datetime, frequency: str, settings: Settings,
                count: int | None = None, until: date | None = None) -> list[tuple[datetime, datetime]]:
    """The occurrences of a recurring booking, stepping in local time (so a weekly
    9:00 meeting stays at 9:00), up to ``count`` or through the local day ``until``."""
    step = timedelta(days=7 if frequency == "weekly" else 1)
    local_start = start_at.astimezone(settings.timezone)
    length = end_at - start_at
    result = []
    while True:
        if count is not None and len(result) >= count:
            break
        if until is not None and local_start.date() > until:
            break
        if len(result) >= settings.max_occurrences:
            raise RuleViolation(
                f"a recurring booking has at most {settings.max_occurrences} occurrences",
                "facilities.too_many_occurrences", {"recurrence": [f"at most {settings.max_occurrences}"]},
                {"limit": settings.max_occurrences},
            )
        result.append((local_start, local_start + length))
        local_start = datetime.combine(local_start.date() + step, local_start.timetz())
    return result


def clash_detail(clashes: list[tuple[datetime, str]], settings: Settings) -> tuple[str, dict]:
    """Names every clashing date: 'clashes on 2025-05-06 (党委会), 2025-05-13 (...)'."""
    named = [f"{local_date(start, settings).isoformat()} ({title})" for start, title in clashes]
    dates = sorted({local_date(start, settings).isoformat() for start, _ in clashes})
    return (f"the room is already booked: clashes on {', '.join(named)}",
            {"start_at": [f"clashes with an existing booking on {day}" for day in dates]})


def find_clashes(wanted: Iterable[tuple[datetime, datetime]],
                 booked: Iterable[tuple[datetime, datetime, str]]) -> list[tuple[datetime, str]]:
    """Each wanted occurrence that overlaps a live booking, with that booking's title."""
    booked = list(booked)
    return [(start, title) for start, end in wanted
            for other_start, other_end, title in booked if overlaps(start, end, other_start, other_end)]


def check_same_booking(booking_id: int, existing: tuple, wanted: tuple, reference: str) -> None:
    """A booking asked again with its reference is answered with the one made (a caller's
    retry after a lost answer); the same reference for another room, unit or time is refused.
    ``existing`` and ``wanted``: (meeting room id, unit code, start, end)."""
    if existing != wanted:
        raise Conflict(f"reference {reference} is already used by booking {booking_id}",
                       {"reference": ["already used by another booking"]})


def check_reference_not_released(reference: str, released: bool) -> None:
    """A meeting reception abandoned is booked no more (its request's answer came too late)."""
    if released:
        raise Conflict(f"the meeting of reference {reference} was abandoned", {"reference": ["abandoned"]})


def meeting_still_holds(booking_id: int, meeting: dict | None) -> bool:
    """A booking for a reception meeting is kept while the meeting exists, is scheduled and
    holds this very booking (before unique references, a reused meeting id made twins)."""
    return bool(meeting) and meeting["status"] == "scheduled" and meeting["room_booking_id"] == booking_id
