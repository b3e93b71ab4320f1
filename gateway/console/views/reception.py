"""Official receptions (the rules' reasons shown when refused), canteen reservations per slot and the
gate's visitor log."""
import re

from gateway.console.labels import GUEST_ORIGINS, MEALS, status_name
from gateway.console.pages import Problem, form_instant, form_int, local_day, pages
from services.reception.contract import MEETING_STATUSES, OFFICERS, READERS, RECEPTION_STATUSES, SUBMITTERS

FIELDS = ("unit_code", "title", "letter_number", "letter_issuer", "letter_dated_on", "guest_origin", "guests", "accompanying",
          "starts_on", "ends_on", "meal", "served_on", "price_per_person_yuan", "accompanying_diners")
CHECKS = ("home_style", "alcohol", "cigarettes")


def lines(text: str, names: tuple[str, ...]) -> list[dict]:
    """One record a line, its fields in ``names``' order, split by commas (either width) or 、."""
    found = []
    for line in text.splitlines():
        parts = [part.strip() for part in re.split(r"[,，、]", line) if part.strip()]
        if parts:
            found.append(dict(zip(names, parts + [""] * len(names))))
    return found


def people(text: str, with_unit: bool) -> list[dict]:
    """One person a line: ``单位，姓名，职务`` for guests, ``姓名，职务`` for staff."""
    found = []
    for person in lines(text, ("unit", "name", "title") if with_unit else ("name", "title")):
        if with_unit:
            person["name"] = person["name"] or person["unit"]
        person["title"] = person["title"] or None
        found.append(person)
    return found


def reception_payload(values: dict, checks: dict) -> dict:
    payload = {"title": values["title"], "guest_origin": values["guest_origin"],
               "guests": people(values["guests"], True), "accompanying": people(values["accompanying"], False),
               "starts_on": values["starts_on"], "ends_on": values["ends_on"] or values["starts_on"]}
    if values.get("unit_code"):
        payload["unit_code"] = values["unit_code"]
    if values["letter_number"] or values["letter_issuer"]:
        payload["official_letter"] = {"number": values["letter_number"], "issuer": values["letter_issuer"],
                                      "dated_on": values["letter_dated_on"]}
    if values["meal"]:
        payload["meals"] = [{
            "meal": values["meal"], "served_on": values["served_on"] or values["starts_on"],
            "price_per_person_yuan": values["price_per_person_yuan"] or "0",
            "accompanying_diners": form_int(values["accompanying_diners"]) or 0,
            "home_style": checks["home_style"], "alcohol": checks["alcohol"], "cigarettes": checks["cigarettes"]}]
    return payload


@pages.page("/receptions/new", SUBMITTERS, methods=("GET", "POST"), menu="接待申请")
def request_reception(page):
    options = {"origins": GUEST_ORIGINS, "meals": MEALS, "units": page.units()}
    if page.request.method == "GET":
        values = page.restored(guest_origin="out_of_county")
        checks = {name: values.get(name) == "on" for name in CHECKS} if len(values) > 1 else {"home_style": True}
        return page.render("reception_new.html", values=values, checks=checks, problem=None, **options)
    values = {name: page.form.get(name, "").strip() for name in FIELDS}
    if page.caller.unit_scoped:
        values["unit_code"] = ""  # the service takes the caller's own unit
    checks = {name: page.form.get(name) == "on" for name in CHECKS}
    created, problem = page.attempt("reception", "submit_reception", reception_payload(values, checks))
    if problem:
        return page.render("reception_new.html", status=422 if problem.rules else 400, values=values, checks=checks,
                           problem=problem, **options)
    return page.redirect("/console/receptions", flash=f"接待申请已提交（编号 {created['id']}），等待审批。")


@pages.page("/receptions", READERS, menu="接待审批")
def list_receptions(page):
    query = page.query("status", "unit_code")
    result = page.rpc("reception", "list_receptions", query)
    return page.render("receptions.html", result=result, query=query, statuses=RECEPTION_STATUSES,
                       origins=GUEST_ORIGINS)


@pages.page("/receptions/<int:reception_id>/approve", OFFICERS, methods=("POST",))
def approve_reception(page):
    return _decide(page, "approve", {})


@pages.page("/receptions/<int:reception_id>/reject", OFFICERS, methods=("POST",))
def reject_reception(page):
    return _decide(page, "reject", {"reason": page.form.get("reason", "").strip() or "不符合接待规定"})


def _decide(page, action, body):
    reception_id = page.args["reception_id"]
    return page.act("/console/receptions", f"接待 {reception_id}", "已批准" if action == "approve" else "已驳回",
                    "reception", f"{action}_reception", reception_id, body)


CAR_FIELDS = ("passengers", "origin", "destination", "start_at", "end_at", "purpose")
MEETING_FIELDS = ("title", "unit_code", "meeting_room_id", "attendees", "start_at", "end_at", "services") + tuple(
    f"car_{name}" for name in CAR_FIELDS)
# the meeting form's words for the fields a refusal names (a meeting starts and ends; its car sets out)
MEETING_FIELD_NAMES = {"start_at": "开始时间", "end_at": "结束时间", "cars.0.passengers": "用车人数",
                       "cars.0.origin": "用车出发地", "cars.0.destination": "用车目的地",
                       "cars.0.start_at": "用车出发时间", "cars.0.end_at": "用车返回时间", "cars.0.purpose": "用车事由"}


def meeting_car(values: dict) -> list[dict]:
    """The car the form asks for (none when no car field is filled in); times default to the meeting's."""
    car = {name: values[f"car_{name}"] for name in CAR_FIELDS if values[f"car_{name}"]}
    if not car:
        return []
    for name in ("start_at", "end_at"):
        if name in car:
            car[name] = form_instant(car[name])
    if "passengers" in car:
        car["passengers"] = form_int(car["passengers"])
    return [car]


def meeting_payload(values: dict) -> dict:
    payload = {"title": values["title"], "unit_code": values["unit_code"] or None,
               "meeting_room_id": form_int(values["meeting_room_id"]), "attendees": form_int(values["attendees"]),
               "start_at": form_instant(values["start_at"]), "end_at": form_instant(values["end_at"]),
               "services": [item.strip() for item in re.split(r"[,，、\n]", values["services"]) if item.strip()]}
    payload["cars"] = meeting_car(values)
    return {key: value for key, value in payload.items() if value not in (None, "", [])}


@pages.page("/meetings/new", SUBMITTERS, methods=("GET", "POST"), menu="会议申请")
def request_meeting(page):
    """A meeting: the room is booked through facilities and any car asked of vehicles."""
    rooms = page.rpc("facilities", "list_meeting_rooms", {"limit": 100, "offset": 0})["items"]
    units = page.units()
    if page.request.method == "GET":
        return page.render("meeting_new.html", values=page.restored(), rooms=rooms, problem=None, units=units,
                           names=MEETING_FIELD_NAMES)
    values = {name: page.form.get(name, "").strip() for name in MEETING_FIELDS}
    if page.caller.unit_scoped:
        values["unit_code"] = ""  # the service takes the caller's own unit
    created, problem = page.attempt("reception", "request_meeting", meeting_payload(values))
    if problem:
        return page.render("meeting_new.html", status=422 if problem.rules else 400, values=values, rooms=rooms,
                           problem=problem, units=units, names=MEETING_FIELD_NAMES)
    return page.redirect("/console/meetings", flash=f"会议申请已提交（编号 {created['id']}）："
                                                    f"{status_name(created.get('status'))}。")


@pages.page("/meetings", READERS, menu="会议")
def list_meetings(page):
    query = page.query("status", "unit_code")
    result = page.rpc("reception", "list_meetings", query)
    return page.render("meetings.html", result=result, query=query, statuses=MEETING_STATUSES)


VISITOR_FIELDS = ("name", "id_number", "company", "host_name", "host_unit_code", "purpose", "kind", "party_size")
VISITOR_KINDS = {"visitor": "来访人员", "petitioner": "来访群众"}


@pages.page("/visitors", READERS, methods=("GET", "POST"), menu="来访登记")
def list_visitors(page):
    """The gate's log, and for the reception officer the registration form and each visitor's sign-out. The ID
    number typed in is sent once and never shown again: the log shows it masked, a refused form comes back
    without it."""
    values, problem, status = page.restored(kind="visitor", party_size="1"), None, 200
    if page.request.method == "POST":
        if not page.caller.has_any(OFFICERS):
            return page.console.error(page.request, page.nonce, 403, "没有访问这个页面的权限。", page.caller)
        values = {name: page.form.get(name, "").strip() for name in VISITOR_FIELDS}
        payload = {**{key: value for key, value in values.items() if value}, "party_size": form_int(values["party_size"])}
        created, problem = page.attempt("reception", "register_visitor", {k: v for k, v in payload.items() if v})
        if not problem:
            return page.redirect("/console/visitors", flash=f"已登记来访：{created['name']}（证件号 {created['id_number']}）。")
        values["id_number"], status = "", 400
    query = page.query("host_unit_code", "kind")
    if page.request.args.get("on_site") == "1":
        query["on_site"] = True
    result = page.rpc("reception", "list_visitors", query)
    return page.render("visitors.html", status=status, result=result, query=query, values=values, problem=problem,
                       may_receive=page.caller.has_any(OFFICERS), kinds=VISITOR_KINDS, units=page.units())


@pages.page("/visitors/<int:visitor_id>/check-out", OFFICERS, methods=("POST",))
def check_out_visitor(page):
    visitor_id = page.args["visitor_id"]
    return page.act("/console/visitors", f"来访登记 {visitor_id}", "已离开", "reception", "check_out_visitor", visitor_id)


@pages.page("/canteen/reservations", OFFICERS, methods=("POST",))
def reserve_canteen(page):
    """A batch reserved in a slot for a reception or a meeting (its number)."""
    owner = page.form.get("owner", "reception")
    body = {"slot_id": form_int(page.form.get("slot_id")), "head_count": form_int(page.form.get("head_count")),
            "batch": page.form.get("batch", "").strip() or None,
            ("meeting_id" if owner == "meeting" else "reception_id"): form_int(page.form.get("owner_id"))}
    back = f"/console/canteen?day={page.form.get('day', '')}"
    return page.act(back, "食堂预订", "已预订", "reception", "create_canteen_reservation", body)


@pages.page("/canteen/reservations/<int:reservation_id>/cancel", OFFICERS, methods=("POST",))
def cancel_canteen(page):
    reservation_id = page.args["reservation_id"]
    return page.act(f"/console/canteen?day={page.form.get('day', '')}", f"食堂预订 {reservation_id}", "已取消",
                    "reception", "cancel_canteen_reservation", reservation_id)


LIST_FIELDS = ("guests", "accompanying", "support_staff", "activities", "meals", "costs", "note")
MEAL_CODES = {**{name: code for code, name in MEALS.items()}, **{code: code for code in MEALS}}


def reception_list_payload(values: dict) -> dict:
    """The reception list's text areas (one record a line) as the service's list."""
    meals = [{"meal": MEAL_CODES.get(meal["meal"], meal["meal"]), "served_on": meal["served_on"], "place": meal["place"],
              "guests": form_int(meal["guests"]), "accompanying_diners": form_int(meal["accompanying_diners"]) or 0,
              "cost_yuan": meal["cost_yuan"]}
             for meal in lines(values["meals"], ("meal", "served_on", "place", "guests", "accompanying_diners",
                                                 "cost_yuan"))]
    activities = [{**activity, "start_at": form_instant(activity["start_at"]), "end_at": form_instant(activity["end_at"])}
                  for activity in lines(values["activities"], ("description", "place", "start_at", "end_at"))]
    return {"guests": people(values["guests"], True), "accompanying": people(values["accompanying"], False),
            "support_staff": lines(values["support_staff"], ("name", "role")), "activities": activities,
            "meals": meals, "costs": lines(values["costs"], ("item", "amount_yuan")), "note": values["note"] or None}


def _as_lines(records: list[dict], names: tuple[str, ...]) -> str:
    return "\n".join("，".join(str(record.get(name) or "") for name in names).rstrip("，") for record in records)


# the list's lines a refusal names, in the form's words
LIST_LINE_NAMES = {f"{field}.{index}.{part}": f"{words}第 {index + 1} 行" for field, words, parts in (
    ("costs", "其他费用", ("item", "amount_yuan")), ("meals", "用餐", ("served_on", "cost_yuan", "place", "guests")))
    for index in range(50) for part in parts}


@pages.page("/receptions/<int:reception_id>/list", READERS, methods=("GET", "POST"))
def reception_list(page):
    """The reception list (接待清单) after the event: entered by the reception officer from the approved
    request, compared with it by the service, then locked; afterwards read here with its differences."""
    reception_id = page.args["reception_id"]
    reception = page.rpc("reception", "get_reception", reception_id)
    if reception["status"] == "completed":
        listed = page.rpc("reception", "get_reception_list", reception_id)
        return page.render("reception_list.html", reception=reception, listed=listed, values={}, problem=None,
                           names=LIST_LINE_NAMES)
    may_complete = page.caller.has_any(OFFICERS) and reception["status"] == "approved"
    if page.request.method == "GET" or not may_complete:
        values = page.restored(guests=_as_lines(reception["guests"], ("unit", "name", "title")),
                               accompanying=_as_lines(reception["accompanying"], ("name", "title")))
        refused = None if page.request.method == "GET" else Problem("这项接待当前不能登记接待清单。")
        return page.render("reception_list.html", status=409 if refused else 200, reception=reception, listed=None,
                           values=values, problem=refused, may_complete=may_complete, names=LIST_LINE_NAMES)
    values = {name: page.form.get(name, "").strip() for name in LIST_FIELDS}
    listed, problem = page.attempt("reception", "complete_reception", reception_id, reception_list_payload(values))
    if problem:
        return page.render("reception_list.html", status=422 if problem.rules else 400, reception=reception,
                           listed=None, values=values, problem=problem, may_complete=True, names=LIST_LINE_NAMES)
    return page.redirect(f"/console/receptions/{reception_id}/list", flash=f"接待 {reception_id} 的接待清单已登记并锁定。")


@pages.page("/canteen", READERS, menu="食堂预订")
def canteen(page):
    """One day's meal slots, each with its capacity, what is reserved and the batches reserved in it."""
    day = local_day(page.request.args.get("day"))
    slots = page.rpc("reception", "list_canteen_slots", {"from": str(day), "to": str(day), "limit": 10, "offset": 0})
    batches = {slot["id"]: page.rpc("reception", "list_canteen_reservations", {
        "slot_id": slot["id"], "status": "active", "limit": 100, "offset": 0})["items"] for slot in slots["items"]}
    return page.render("canteen.html", day=day, slots=slots["items"], batches=batches, meals=MEALS,
                       may_receive=page.caller.has_any(OFFICERS))
