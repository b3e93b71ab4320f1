"""A unit clerk's 首页: what the unit sees of its own in one page. Its cars and their figures,
the meeting rooms' free slots of a day (another unit's meeting shows as taken, never whose) with
a form on each free slot, the canteen's remaining seats, its repairs with the technician and the
time due under the pledge, its rectifications, and its energy against its targets and its group."""
from datetime import datetime, time, timedelta

from gateway.console import labels
from gateway.console.pages import LOCAL_TZ, Problem, form_instant, form_int, local_day, pages
from services.facilities.contract import BOOKERS
from services.kit.errors import Conflict, ServiceError

# the part of a day the free slots are offered in (the center's working day, local time)
DAY_STARTS, DAY_ENDS = time(8, 0), time(18, 0)
OPEN_REPAIRS = ("reported", "assigned", "in_progress", "reopened", "done")
OPEN_RECTIFICATIONS = ("open", "done")


def free_slots(busy: list[dict], start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """The gaps of [start, end) that no busy interval covers, in order."""
    gaps, cursor = [], start
    for interval in sorted(busy, key=lambda b: b["start_at"]):
        begins = datetime.fromisoformat(interval["start_at"])
        ends = datetime.fromisoformat(interval["end_at"])
        if begins > cursor:
            gaps.append((cursor, min(begins, end)))
        cursor = max(cursor, ends)
    if cursor < end:
        gaps.append((cursor, end))
    return [(a, b) for a, b in gaps if a < b and a < end]


def rooms_of_day(page, day):
    start = datetime.combine(day, DAY_STARTS, LOCAL_TZ)
    end = datetime.combine(day, DAY_ENDS, LOCAL_TZ)
    answer, problem = page.attempt("facilities", "meeting_room_availability", {
        "from": datetime.combine(day, time(), LOCAL_TZ).isoformat(),
        "to": datetime.combine(day + timedelta(days=1), time(), LOCAL_TZ).isoformat()})
    rooms = [{**room, "free": [(a.astimezone(LOCAL_TZ), b.astimezone(LOCAL_TZ))
                               for a, b in free_slots(room["busy"], start, end)]}
             for room in (answer or {}).get("items", [])]
    return rooms, problem


def unit_home(page):
    caller = page.caller
    day = local_day(page.request.args.get("day"))
    today = datetime.now(LOCAL_TZ).date()
    year = today.year
    rooms, rooms_problem = rooms_of_day(page, day)
    slots, _ = page.attempt("reception", "list_canteen_slots", {
        "from": today.isoformat(), "to": (today + timedelta(days=6)).isoformat(), "limit": 50})
    repairs = [page.attempt("facilities", "list_repairs", {"status": status, "limit": 50})[0] or {"items": []}
               for status in OPEN_REPAIRS]
    rectifications = [page.attempt("facilities", "list_rectifications", {"status": status, "limit": 50})[0]
                      or {"items": []} for status in OPEN_RECTIFICATIONS]
    vehicles, _ = page.attempt("vehicles", "list_vehicles", {"limit": 50})
    stats, _ = page.attempt("vehicles", "vehicle_stats", {"year": year, "by_vehicle": True})
    flags, _ = page.attempt("vehicles", "list_vehicle_flags", {"status": "open", "limit": 50})
    energy, energy_problem = page.attempt("energy", "unit_overview", {"year": year})
    return page.render(
        "unit_home.html", unit_code=caller.unit_code, day=day, previous=day - timedelta(days=1),
        following=day + timedelta(days=1), rooms=rooms, rooms_problem=rooms_problem,
        slots=(slots or {}).get("items", []),
        repairs=sorted((r for page_ in repairs for r in page_["items"]), key=lambda r: r["due_at"]),
        rectifications=sorted((r for page_ in rectifications for r in page_["items"]), key=lambda r: r["deadline_on"]),
        vehicles=(vehicles or {}).get("items", []), stats=stats, flags=(flags or {}).get("items", []),
        energy=energy, energy_problem=energy_problem, year=year)


@pages.page("/meeting-rooms/book", BOOKERS, methods=("POST",))
def book_meeting_room(page):
    """A free slot picked on the 首页 (or anywhere): booked for the caller's unit, or refused saying why."""
    start_at = form_instant(page.form.get("start_at"))
    payload = {"meeting_room_id": form_int(page.form.get("meeting_room_id")), "title": page.form.get("title", "").strip(),
               "start_at": start_at, "end_at": form_instant(page.form.get("end_at")),
               "attendees": form_int(page.form.get("attendees"))}
    if not page.caller.unit_scoped:
        payload["unit_code"] = page.form.get("unit_code", "").strip() or None
    day = (start_at or "")[:10]
    try:
        booked = page.rpc("facilities", "book_meeting_room", payload)
    except Conflict as exc:  # taken meanwhile: say when, never by whom
        when = "；".join(labels.message(str(m)) for m in (exc.errors or {}).get("start_at", []))
        return page.redirect("/console/", flash=f"会议室未能预订：该时段已被占用（{when}），请另选空闲时段。", day=day)
    except ServiceError as exc:
        return page.redirect("/console/", flash=f"会议室未能预订：{Problem.of(exc).one_line()}", day=day)
    return page.redirect("/console/", flash=f"会议室已预订（编号 {booked['id']}）。", day=day)
