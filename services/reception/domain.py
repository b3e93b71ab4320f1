"""Reception rules as plain Python: no nameko, no database."""
from __future__ import annotations

import hmac
import logging
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Callable
from zoneinfo import ZoneInfo

from services.kit.crypto import keyed_hash
from services.kit.errors import Conflict, Invalid, RuleViolation, ServiceError, ServiceUnavailable
from services.reception.settings import SETTINGS, Settings

log = logging.getLogger(__name__)

# GB 11643-1999: weights of the first 17 digits and the check character by remainder.
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def id_check_character(first17: str) -> str:
    return _ID_CHECK[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS)) % 11]


def validate_id_number(raw: str) -> str:
    """The resident ID number in canonical form; errors never echo it."""
    number = raw.strip().upper()
    if len(number) != 18 or not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise Invalid("the ID number is malformed", {"id_number": ["18 characters: 17 digits and a digit or X"]})
    if id_check_character(number[:17]) != number[17]:
        raise Invalid("the ID number's check character is wrong", {"id_number": ["check character does not match"]})
    return number


def mask_id_number(number: str) -> str:
    """``3301**********1234``: region prefix and last four only."""
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def hash_id_number(number: str, key: bytes, algorithm: str = "hmac-sha256") -> str:
    """The keyed hash kept to recognise a returning visitor: ``hmac-sha256`` or ``hmac-sm3``."""
    return keyed_hash(number, key, algorithm)


def same_id_number(number: str, stored_hash: str, algorithm: str, key: bytes) -> bool:
    """Whether ``number`` is the one hashed into ``stored_hash`` by ``algorithm`` (each visit keeps
    its own: a change of KEYED_HASH_ALGORITHM leaves the earlier hashes verifying)."""
    return bool(stored_hash) and hmac.compare_digest(hash_id_number(number, key, algorithm), stored_hash)


def check_can_check_out(checked_out_at) -> None:
    if checked_out_at is not None:
        raise Conflict("the visitor has already checked out")


# --- days ------------------------------------------------------------------------------
LOCAL_TZ = ZoneInfo("Asia/Shanghai")


def local_day(instant: datetime) -> date:
    """The calendar day in Asia/Shanghai of an aware instant (a "day" of DOMAIN.md)."""
    return instant.astimezone(LOCAL_TZ).date()


def local_midnight(day: date) -> datetime:
    """The first instant of ``day`` in Asia/Shanghai, as UTC."""
    return datetime.combine(day, time(0), LOCAL_TZ).astimezone(timezone.utc)


# --- official reception (公务接待) --------------------------------------------------------
NO_LETTER = "reception.no_letter"
APPROVAL_BEFORE_DATE = "reception.approval_before_date"
WORKING_MEAL_LIMIT = "reception.working_meal_limit"
ACCOMPANY_LIMIT = "reception.accompany_limit"
HOME_STYLE_ONLY = "reception.home_style_only"
NO_ALCOHOL = "reception.no_alcohol"
NO_CIGARETTES = "reception.no_cigarettes"
MEAL_PRICE = "reception.meal_price"
CANTEEN_CAPACITY = "canteen.capacity"

# The order in which rules are named: the first broken one becomes ``rule``.
RECEPTION_RULES = (
    NO_LETTER, APPROVAL_BEFORE_DATE, WORKING_MEAL_LIMIT, ACCOMPANY_LIMIT, HOME_STYLE_ONLY, NO_ALCOHOL,
    NO_CIGARETTES, MEAL_PRICE,
)


def accompany_limit(guests: int, settings: Settings = SETTINGS) -> int:
    """Accompanying diners allowed: 3 for 10 guests or fewer, else a third of the guests."""
    if guests <= settings.accompany_small_group_guests:
        return settings.accompany_small_group_limit
    return guests // settings.accompany_guests_per_diner


def meal_standard(origin: str, meal: str, settings: Settings = SETTINGS) -> Decimal:
    return settings.meal_prices[(origin, meal)]


def reception_violations(plan: dict, today: date, settings: Settings = SETTINGS,
                         figures: dict | None = None) -> dict[str, list[str]]:
    """Every rule the reception ``plan`` breaks on ``today``: rule code -> what broke it,
    in the order of ``RECEPTION_RULES``. ``plan`` has ``official_letter``, ``starts_on``,
    ``guest_origin``, ``guests`` and ``meals`` as the contract loads them. ``figures``, when
    given, gets each broken rule's figures of its first breach (``RuleViolation.params``)."""
    found: dict[str, list[str]] = {}

    def breaks(rule: str, message: str, **params) -> None:
        found.setdefault(rule, []).append(message)
        if figures is not None:
            figures.setdefault(rule, params)

    if not plan.get("official_letter"):
        breaks(NO_LETTER, "no reception without the sending unit's official letter (公函)")
    if today >= plan["starts_on"]:
        breaks(APPROVAL_BEFORE_DATE,
               f"approval must come before the reception's first day {plan['starts_on']}; today is {today}",
               starts_on=plan["starts_on"].isoformat(), today=today.isoformat())
    meals = plan.get("meals") or []
    if len(meals) > settings.working_meal_limit:
        breaks(WORKING_MEAL_LIMIT, f"at most {settings.working_meal_limit} working meal(s); {len(meals)} asked",
               allowed=settings.working_meal_limit, asked=len(meals))
    guests = len(plan.get("guests") or [])
    allowed = accompany_limit(guests, settings)
    for index, meal in enumerate(meals):
        label = f"meal {index + 1} ({meal['meal']} on {meal['served_on']})"
        if meal["accompanying_diners"] > allowed:
            breaks(ACCOMPANY_LIMIT, f"{label}: {meal['accompanying_diners']} accompanying diners for {guests} "
                                    f"guests; at most {allowed}", accompanying_diners=meal["accompanying_diners"],
                   guests=guests, allowed=allowed)
        if not meal.get("home_style", True):
            breaks(HOME_STYLE_ONLY, f"{label}: home-style food only")
        if meal.get("alcohol"):
            breaks(NO_ALCOHOL, f"{label}: no alcohol")
        if meal.get("cigarettes"):
            breaks(NO_CIGARETTES, f"{label}: no cigarettes")
        standard = meal_standard(plan["guest_origin"], meal["meal"], settings)
        price = Decimal(str(meal["price_per_person_yuan"]))
        if price > standard:
            breaks(MEAL_PRICE, f"{label}: {price} 元 per person is above the standard of {standard} 元 "
                               f"for guests {plan['guest_origin'].replace('_', ' ')}", price=str(price),
                   standard=str(standard), guest_origin=plan["guest_origin"])
    return {rule: found[rule] for rule in RECEPTION_RULES if rule in found}


def check_reception(plan: dict, today: date, settings: Settings = SETTINGS) -> None:
    """Refuses a plan that breaks any rule: ``rule`` names the first broken rule and
    ``errors`` maps every broken rule's code to what broke it."""
    figures: dict[str, dict] = {}
    found = reception_violations(plan, today, settings, figures)
    if found:
        raise RuleViolation(f"the reception breaks {len(found)} rule(s): {', '.join(found)}",
                            next(iter(found)), found, figures[next(iter(found))])


def check_reception_dates(plan: dict) -> None:
    """Input that cannot describe a reception at all (400, not a rule): its meals and
    activities fall within its dates, an activity ends after it starts, and the letter that
    asks for it is dated no later than its first day."""
    errors: dict[str, list[str]] = {}
    if plan["ends_on"] < plan["starts_on"]:
        errors["ends_on"] = ["must not be before starts_on"]
    for index, meal in enumerate(plan.get("meals") or []):
        if not plan["starts_on"] <= meal["served_on"] <= plan["ends_on"]:
            errors[f"meals.{index}.served_on"] = ["must fall within the reception's dates"]
    errors.update(activity_errors(plan.get("activities") or []))
    for index, activity in enumerate(plan.get("activities") or []):
        for key in ("start_at", "end_at"):
            if not plan["starts_on"] <= local_day(activity[key]) <= plan["ends_on"]:
                errors.setdefault(f"activities.{index}.{key}", []).append("must fall within the reception's dates")
    letter = plan.get("official_letter")
    if letter and letter["dated_on"] > plan["starts_on"]:
        errors["official_letter.dated_on"] = ["must not be after starts_on: the letter comes before the reception"]
    if errors:
        raise Invalid("the reception's dates do not fit together", errors)


def activity_errors(activities: list[dict]) -> dict[str, list[str]]:
    return {f"activities.{index}.end_at": ["must be after start_at"]
            for index, activity in enumerate(activities) if activity["end_at"] <= activity["start_at"]}


def check_list_after_event(ends_on: date, today: date) -> None:
    """The reception list (接待清单) records what happened: it is made from the reception's last day."""
    if today < ends_on:
        raise RuleViolation(f"the reception runs until {ends_on}; its list is made from that day",
                            "reception.list_before_event", {"reception_id": [f"the reception ends on {ends_on}"]})


def check_list_dates(actual: dict, now: datetime) -> None:
    """Each activity ends after it starts (400, as the document's x-ordered says), and what the
    list says happened lies in the past (refused for the clock: 422 ``dates.in_future``)."""
    errors = activity_errors(actual.get("activities") or [])
    if errors:
        raise Invalid("the reception list does not fit together", errors)
    today = local_day(now)
    for index, activity in enumerate(actual.get("activities") or []):
        for key in ("start_at", "end_at"):
            if activity[key] > now:
                errors.setdefault(f"activities.{index}.{key}", []).append("must not lie in the future")
    for index, meal in enumerate(actual.get("meals") or []):
        if meal["served_on"] > today:
            errors[f"meals.{index}.served_on"] = ["must not lie in the future"]
    if errors:
        raise RuleViolation(f"{', '.join(errors)} cannot lie in the future", "dates.in_future", errors)


# a cost line that is a meal's cost: the meals carry their cost themselves, so it would be counted twice
MEAL_COST_ITEMS = ("餐费", "用餐", "工作餐", "早餐", "午餐", "晚餐", "伙食费", "用餐费", "工作餐费")


def check_list_costs(actual: dict) -> None:
    """The list's total is the meals' cost plus the other costs: a meal's cost listed again among the costs,
    while the meals carry theirs, is refused (400) rather than counted twice."""
    if not any(Decimal(str(meal["cost_yuan"])) for meal in actual.get("meals") or []):
        return
    errors = {f"costs.{index}.item": ["a meal's cost is entered with the meal, not again under costs"]
              for index, cost in enumerate(actual.get("costs") or [])
              if cost["item"].strip().removesuffix("费") in {item.removesuffix("费") for item in MEAL_COST_ITEMS}}
    if errors:
        raise Invalid("the meals' cost is listed twice", errors)


RECEPTION_ACTIONS = {
    "approve": ("submitted",), "reject": ("submitted",), "cancel": ("submitted", "approved"),
    "complete": ("approved",),
}


def check_reception_action(status: str, action: str) -> None:
    if status not in RECEPTION_ACTIONS[action]:
        raise Conflict(f"a {status} reception cannot {action}; it must be {' or '.join(RECEPTION_ACTIONS[action])}")


def diners(guests: int, meal: dict) -> int:
    """Head count of one meal: every guest and the accompanying diners."""
    return guests + meal["accompanying_diners"]


# --- reception list (接待清单) -------------------------------------------------------------
def _difference(kind: str, field: str, detail: str, approved=None, actual=None) -> dict:
    return {"kind": kind, "field": field, "detail": detail, "approved": approved, "actual": actual}


def _compare_people(field: str, approved: list[dict], actual: list[dict], keys: tuple[str, ...]) -> list[dict]:
    found = []
    planned = {person["name"]: person for person in approved}
    present = {person["name"]: person for person in actual}
    for name, person in present.items():
        if name not in planned:
            found.append(_difference("not_approved", field, f"{name} was not in the approval", None, name))
            continue
        for key in keys:
            if (planned[name].get(key) or None) != (person.get(key) or None):
                found.append(_difference("changed", f"{field}.{key}", f"{name}: {key} differs",
                                         planned[name].get(key), person.get(key)))
    for name in planned:
        if name not in present:
            found.append(_difference("absent", field, f"{name} was approved but did not come", name, None))
    return found


def _money(value) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def compare_reception_list(approved: dict, actual: dict, settings: Settings = SETTINGS) -> list[dict]:
    """What the reception list says happened against the letter and the approval.

    Every difference is listed (kind, field, detail, approved, actual); none refuses the
    list, because the list records what happened and is kept for audit as it is."""
    found = _compare_people("guests", approved["guests"], actual["guests"], ("unit", "title"))
    letter = approved.get("official_letter") or {}
    for guest in actual["guests"]:
        if letter.get("issuer") and guest["unit"] != letter["issuer"]:
            found.append(_difference("not_on_letter", "guests.unit",
                                     f"{guest['name']}'s unit is not the letter's issuer", letter["issuer"],
                                     guest["unit"]))
    found += _compare_people("accompanying", approved.get("accompanying") or [],
                             actual.get("accompanying") or [], ("title",))
    for activity in actual.get("activities") or []:
        for key in ("start_at", "end_at"):
            day = local_day(activity[key])
            if not approved["starts_on"] <= day <= approved["ends_on"]:
                found.append(_difference("outside_dates", f"activities.{key}",
                                         f"{activity['description']} on {day} is outside the approved dates",
                                         f"{approved['starts_on']}..{approved['ends_on']}", day.isoformat()))
    planned_meals = {(meal["served_on"], meal["meal"]): meal for meal in approved.get("meals") or []}
    allowed = accompany_limit(len(actual["guests"]), settings)
    for meal in actual.get("meals") or []:
        label = f"{meal['meal']} on {meal['served_on']}"
        plan = planned_meals.get((meal["served_on"], meal["meal"]))
        if plan is None:
            found.append(_difference("not_approved", "meals", f"{label} was not in the approval", None, label))
        if meal["accompanying_diners"] > (plan["accompanying_diners"] if plan else allowed):
            found.append(_difference("over", "meals.accompanying_diners", f"{label}: more accompanying diners",
                                     plan["accompanying_diners"] if plan else allowed, meal["accompanying_diners"]))
        heads = meal["guests"] + meal["accompanying_diners"]
        per_person = _money(Decimal(str(meal["cost_yuan"])) / heads) if heads else _money(meal["cost_yuan"])
        ceiling = _money(plan["price_per_person_yuan"]) if plan else \
            meal_standard(approved["guest_origin"], meal["meal"], settings)
        if per_person > ceiling:
            found.append(_difference("over", "meals.cost_yuan", f"{label}: cost per person above the approval",
                                     str(ceiling), str(per_person)))
        for flag in ("alcohol", "cigarettes"):
            if meal.get(flag):
                found.append(_difference("not_allowed", f"meals.{flag}", f"{label}: {flag} served", False, True))
    return found


def reception_list_cost(actual: dict) -> Decimal:
    return _money(sum((Decimal(str(meal["cost_yuan"])) for meal in actual.get("meals") or []), Decimal(0))
                  + sum((Decimal(str(cost["amount_yuan"])) for cost in actual.get("costs") or []), Decimal(0)))


# --- canteen (机关食堂) --------------------------------------------------------------------
def check_canteen_capacity(capacity: int, reserved: int, head_count: int) -> None:
    """A slot never seats more than its capacity."""
    if reserved + head_count > capacity:
        left = max(capacity - reserved, 0)
        raise RuleViolation(f"the canteen slot has {left} seat(s) left; {head_count} asked", CANTEEN_CAPACITY,
                            {CANTEEN_CAPACITY: [f"capacity {capacity}, reserved {reserved}, asked {head_count}"]},
                            {"left": left, "asked": head_count})


def check_slot_fits_meal(slot_meal: str, slot_day: date, meal: dict, field: str) -> None:
    if (slot_meal, slot_day) != (meal["meal"], meal["served_on"]):
        raise Invalid("the canteen slot is for another meal",
                      {field: [f"the slot is {slot_meal} on {slot_day}, the meal {meal['meal']} on {meal['served_on']}"]})


def share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


# --- meetings (会务): the room/car saga ---------------------------------------------------
@dataclass(frozen=True)
class Reservation:
    """Something a meeting holds in another service: a room booking or a car dispatch."""

    kind: str  # room_booking | dispatch
    id: int

    def as_dict(self) -> dict:
        return {"kind": self.kind, "id": self.id}


@dataclass
class SagaOutcome:
    reserved: list[Reservation] = field(default_factory=list)
    error: BaseException | None = None
    compensation_pending: list[Reservation] = field(default_factory=list)
    failed_step: str | None = None

    @property
    def failed(self) -> bool:
        return self.error is not None


def release_all(reserved: list[Reservation], release: Callable[[Reservation], None]) -> list[Reservation]:
    """Releases in reverse order; returns what could not be released (to retry later).
    A failed release does not stop the others."""
    pending: list[Reservation] = []
    for reservation in reversed(reserved):
        try:
            release(reservation)
        except Exception as exc:  # kept, and retried by the timer; never forgotten
            log.warning("releasing %s %s failed (%s); kept for retry", reservation.kind, reservation.id,
                        type(exc).__name__)
            pending.insert(0, reservation)  # in reservation order, so a retry releases in reverse again
    return pending


def reserve_all(steps: list[tuple[str, Callable[[], int]]], release: Callable[[Reservation], None]) -> SagaOutcome:
    """Runs each step (kind, call returning the reserved id) in order. When one fails,
    everything already reserved is released and the step's error is the outcome's."""
    reserved: list[Reservation] = []
    for kind, step in steps:
        try:
            reserved.append(Reservation(kind, step()))
        except Exception as exc:
            return SagaOutcome([], exc, release_all(reserved, release), kind)
    return SagaOutcome(reserved)


def caller_error(error: BaseException, step: str) -> BaseException:
    """What the caller hears of a failed step: the step's own typed error (409, 422, 503,
    504...) as it is; anything untyped as the step's service being unavailable."""
    if isinstance(error, ServiceError):
        return error
    return ServiceUnavailable(f"the {step} step failed ({type(error).__name__})")


def check_meeting_times(start_at: datetime, end_at: datetime, cars: list[dict]) -> None:
    errors: dict[str, list[str]] = {}
    if end_at <= start_at:
        errors["end_at"] = ["must be after start_at"]
    for index, car in enumerate(cars):
        if car.get("start_at") and car.get("end_at") and car["end_at"] <= car["start_at"]:
            errors[f"cars.{index}.end_at"] = ["must be after start_at"]
    if errors:
        raise Invalid("the meeting's times do not fit together", errors)


def check_meeting_open(status: str, action: str) -> None:
    if status != "scheduled":
        raise Conflict(f"a {status} meeting cannot {action}")


# --- visitors ---------------------------------------------------------------------------------
def open_past_closing_cutoff(now: datetime, settings: Settings = SETTINGS) -> datetime:
    """Open visits checked in before the returned instant are past their day's closing
    time: today's visits once today's closing has passed, else the earlier days'."""
    today = local_day(now)
    closing = datetime.combine(today, settings.visitor_closing_time, LOCAL_TZ)
    return local_midnight(today + timedelta(days=1) if now >= closing else today)
