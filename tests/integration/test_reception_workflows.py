"""Receptions, canteen, reception lists, visitors and figures over real RPC and a real database."""
from datetime import datetime, timedelta, timezone

import eventlet
import pytest
from sqlalchemy import select

from services.kit.context import Caller
from services.kit.errors import Conflict, Forbidden, Invalid, NotFound, RuleViolation
from services.reception import domain
from services.reception.models import CanteenReservation, OutboxEvent, Visitor
from services.reception.service import ReceptionService
from tests.support import call_as, database_of, reception_took_place

pytestmark = pytest.mark.integration

OFFICER = Caller("officer", ("reception_officer",))
CLERK = Caller("clerk", ("unit_user",), "U-INV")
OTHER_CLERK = Caller("other", ("unit_user",), "U-OTHER")
LEADER = Caller("leader", ("leader",))


def local_today():
    return domain.local_day(datetime.now(timezone.utc))


def day(offset):
    return (local_today() + timedelta(days=offset)).isoformat()


def guests(n):
    return [{"unit": "杭州市财政局", "name": f"客人{i}", "title": "科员"} for i in range(n)]


def reception(guest_count=4, accompanying=2, **changes):
    return {
        "title": "市财政局调研", "guest_origin": "out_of_county", "guests": guests(guest_count),
        "official_letter": {"number": "杭财函〔2026〕12号", "issuer": "杭州市财政局", "dated_on": day(-3)},
        "starts_on": day(3), "ends_on": day(4),
        "meals": [{"meal": "lunch", "served_on": day(3), "price_per_person_yuan": 80,
                   "accompanying_diners": accompanying}],
        **changes,
    }


def events_of(container, event_type):
    with database_of(container).sessionmaker() as session:
        return [row.payload for row in session.scalars(select(OutboxEvent).where(OutboxEvent.event_type == event_type))]


def held(container, reception_id, days_ago):
    with database_of(container).sessionmaker.begin() as session:
        reception_took_place(session, reception_id, days_ago)


def refused(rpc, caller, method, *args):
    with pytest.raises(RuleViolation) as caught:
        call_as(rpc, caller, "reception", method, *args)
    return caught.value


def test_a_reception_is_refused_by_rule_corrected_approved_and_announced(start_service, rpc):
    container = start_service(ReceptionService)
    too_many = refused(rpc, CLERK, "submit_reception", reception(12, accompanying=5))
    assert too_many.rule == "reception.accompany_limit" and "reception.accompany_limit" in too_many.errors
    submitted = call_as(rpc, CLERK, "reception", "submit_reception", reception(12, accompanying=4))
    assert submitted["status"] == "submitted" and submitted["unit_code"] == "U-INV"
    assert refused(rpc, CLERK, "submit_reception", reception(official_letter=None)).rule == "reception.no_letter"
    with pytest.raises(Forbidden):
        call_as(rpc, CLERK, "reception", "approve_reception", submitted["id"], {})
    approved = call_as(rpc, OFFICER, "reception", "approve_reception", submitted["id"], {"note": "同意"})
    assert approved["status"] == "approved" and approved["approved_at"]
    with pytest.raises(Conflict):
        call_as(rpc, OFFICER, "reception", "approve_reception", submitted["id"], {})
    [event] = events_of(container, "reception_approved")
    assert event["reception_id"] == submitted["id"] and event["guests"] == 12


@pytest.mark.parametrize("changes, rule", [
    ({"meals": [{"meal": "lunch", "served_on": None, "price_per_person_yuan": 80}] * 2}, "reception.working_meal_limit"),
    ({"meals": [{"meal": "dinner", "served_on": None, "price_per_person_yuan": 91}]}, "reception.meal_price"),
    ({"meals": [{"meal": "lunch", "served_on": None, "price_per_person_yuan": 80, "alcohol": True}]}, "reception.no_alcohol"),
    ({"meals": [{"meal": "lunch", "served_on": None, "price_per_person_yuan": 80, "cigarettes": True}]},
     "reception.no_cigarettes"),
    ({"meals": [{"meal": "lunch", "served_on": None, "price_per_person_yuan": 80, "home_style": False}]},
     "reception.home_style_only"),
    ({"starts_on": None, "meals": []}, "reception.approval_before_date"),
])
def test_each_rule_is_named_when_it_refuses_a_submission(start_service, rpc, changes, rule):
    start_service(ReceptionService)
    body = reception(**changes)
    body["meals"] = [{**meal, "served_on": day(3)} for meal in body["meals"]]
    if body["starts_on"] is None:
        body["starts_on"] = day(0)
    assert refused(rpc, CLERK, "submit_reception", body).rule == rule


def test_rules_are_checked_again_at_approval(start_service, rpc):
    container = start_service(ReceptionService)
    submitted = call_as(rpc, CLERK, "reception", "submit_reception", reception())
    # the reception's first day arrives before anyone approved it
    with database_of(container).sessionmaker.begin() as session:
        from services.reception.models import Reception
        session.get(Reception, submitted["id"]).starts_on = local_today()
    assert refused(rpc, OFFICER, "approve_reception", submitted["id"], {}).rule == "reception.approval_before_date"
    assert call_as(rpc, OFFICER, "reception", "get_reception", submitted["id"])["status"] == "submitted"


def test_bad_input_is_refused_with_field_errors(start_service, rpc):
    start_service(ReceptionService)
    with pytest.raises(Invalid) as caught:
        call_as(rpc, CLERK, "reception", "submit_reception", {**reception(), "guests": [], "colour": "red",
                                                              "ends_on": "tomorrow"})
    assert {"guests", "colour", "ends_on"} <= set(caught.value.errors)
    with pytest.raises(RuleViolation) as caught:
        call_as(rpc, OFFICER, "reception", "submit_reception", reception())  # an officer names the unit
    assert "unit_code" in caught.value.errors


def test_a_unit_user_sees_only_its_own_receptions(start_service, rpc):
    start_service(ReceptionService)
    mine = call_as(rpc, CLERK, "reception", "submit_reception", reception())
    with pytest.raises(NotFound):
        call_as(rpc, OTHER_CLERK, "reception", "get_reception", mine["id"])
    assert call_as(rpc, OTHER_CLERK, "reception", "list_receptions", {})["total"] == 0
    with pytest.raises(NotFound):  # another unit's list, never the clerk's own in its place
        call_as(rpc, OTHER_CLERK, "reception", "list_receptions", {"unit_code": "U-INV"})
    assert call_as(rpc, LEADER, "reception", "list_receptions", {"unit_code": "U-INV"})["total"] == 1
    with pytest.raises(Forbidden):
        call_as(rpc, OTHER_CLERK, "reception", "submit_reception", {**reception(), "unit_code": "U-INV"})


def test_a_rejected_or_cancelled_reception_releases_its_canteen_seats(start_service, rpc):
    start_service(ReceptionService)
    slot = call_as(rpc, OFFICER, "reception", "create_canteen_slot", {"served_on": day(3), "meal": "lunch", "capacity": 10})
    body = reception(4, accompanying=2)
    body["meals"][0]["canteen_slot_id"] = slot["id"]
    first = call_as(rpc, CLERK, "reception", "submit_reception", body)
    assert call_as(rpc, OFFICER, "reception", "get_canteen_slot", slot["id"])["reserved"] == 6
    assert refused(rpc, CLERK, "submit_reception", body).rule == "canteen.capacity"  # 6 + 6 > 10
    with pytest.raises(Invalid):
        call_as(rpc, OFFICER, "reception", "reject_reception", first["id"], {})  # a reason is required
    rejected = call_as(rpc, OFFICER, "reception", "reject_reception", first["id"], {"reason": "无必要"})
    assert rejected["status"] == "rejected" and rejected["reason"] == "无必要"
    assert call_as(rpc, OFFICER, "reception", "get_canteen_slot", slot["id"])["reserved"] == 0
    second = call_as(rpc, CLERK, "reception", "submit_reception", body)
    call_as(rpc, OFFICER, "reception", "approve_reception", second["id"])
    assert call_as(rpc, OFFICER, "reception", "get_canteen_slot", slot["id"])["available"] == 4
    call_as(rpc, CLERK, "reception", "cancel_reception", second["id"], {"reason": "行程取消"})
    assert call_as(rpc, OFFICER, "reception", "get_canteen_slot", slot["id"])["available"] == 10
    with pytest.raises(Conflict):
        call_as(rpc, OFFICER, "reception", "create_canteen_reservation",
                {"slot_id": slot["id"], "head_count": 2, "reception_id": second["id"]})


def test_parallel_reservations_never_exceed_a_slots_capacity(start_service, rpc, test_backends):
    container = start_service(ReceptionService)
    slot = call_as(rpc, OFFICER, "reception", "create_canteen_slot", {"served_on": day(5), "meal": "dinner", "capacity": 10})
    owner = call_as(rpc, CLERK, "reception", "submit_reception", reception())

    def reserve(_):
        try:
            return call_as(rpc, OFFICER, "reception", "create_canteen_reservation",
                           {"slot_id": slot["id"], "head_count": 3, "reception_id": owner["id"]})
        except RuleViolation as exc:
            return exc.rule

    outcomes = list(eventlet.GreenPool(12).imap(reserve, range(12)))
    granted = [outcome for outcome in outcomes if isinstance(outcome, dict)]
    assert len(granted) == 3 and outcomes.count("canteen.capacity") == 9
    with database_of(container).sessionmaker() as session:
        seats = sum(row.head_count for row in session.scalars(
            select(CanteenReservation).where(CanteenReservation.slot_id == slot["id"])))
    assert seats == 9 <= 10
    assert call_as(rpc, OFFICER, "reception", "get_canteen_slot", slot["id"])["available"] == 1


def test_the_reception_list_is_compared_locked_and_announced(start_service, rpc):
    container = start_service(ReceptionService)
    submitted = call_as(rpc, CLERK, "reception", "submit_reception", reception(3, accompanying=2))
    with pytest.raises(Conflict):  # not approved yet
        call_as(rpc, OFFICER, "reception", "complete_reception", submitted["id"], {"guests": guests(3)})
    call_as(rpc, OFFICER, "reception", "approve_reception", submitted["id"])
    with pytest.raises(NotFound):
        call_as(rpc, CLERK, "reception", "get_reception_list", submitted["id"])
    early = refused(rpc, OFFICER, "complete_reception", submitted["id"], {"guests": guests(3)})
    assert early.rule == "reception.list_before_event"  # it has not taken place yet
    held(container, submitted["id"], 5)  # 5 and 4 days ago
    meal = {"meal": "lunch", "served_on": day(-5), "place": "机关食堂", "guests": 3, "accompanying_diners": 2,
            "cost_yuan": "400"}
    with pytest.raises(Invalid) as doubled:  # the meal's cost again among the costs: refused, not counted twice
        call_as(rpc, OFFICER, "reception", "complete_reception", submitted["id"], {
            "guests": guests(3), "meals": [meal], "costs": [{"item": "住宿", "amount_yuan": "360"},
                                                            {"item": "餐费", "amount_yuan": "400"}]})
    assert list(doubled.value.errors) == ["costs.1.item"]
    assert call_as(rpc, OFFICER, "reception", "get_reception", submitted["id"])["status"] == "approved"
    listed = call_as(rpc, OFFICER, "reception", "complete_reception", submitted["id"], {
        "guests": guests(2) + [{"unit": "杭州市财政局", "name": "临时加入", "title": "科员"}],
        "accompanying": [{"name": "陪同甲", "title": "科长"}],
        "support_staff": [{"name": "司机乙", "role": "驾驶员"}],
        "activities": [{"description": "座谈", "place": "县政府3楼会议室",
                        "start_at": f"{day(-5)}T09:00:00+08:00", "end_at": f"{day(-5)}T11:00:00+08:00"}],
        "meals": [{"meal": "lunch", "served_on": day(-5), "place": "机关食堂", "guests": 3, "accompanying_diners": 2,
                   "cost_yuan": "400"}],
        "costs": [{"item": "住宿", "amount_yuan": "360"}],
    })
    kinds = {(item["kind"], item["field"]) for item in listed["differences"]}
    assert kinds == {("not_approved", "guests"), ("absent", "guests"), ("not_approved", "accompanying")}
    assert listed["total_cost_yuan"] == 760.0 and listed["locked_at"].endswith("+08:00")
    # money is a number everywhere, never "400.00"; instants in Beijing time
    assert listed["meals"][0]["cost_yuan"] == 400.0 and listed["costs"][0]["amount_yuan"] == 360.0
    plan = call_as(rpc, OFFICER, "reception", "get_reception", submitted["id"])
    assert plan["meals"][0]["price_per_person_yuan"] == 80.0
    assert all(plan[key].endswith("+08:00") for key in ("approved_at", "created_at", "updated_at"))
    assert call_as(rpc, CLERK, "reception", "get_reception_list", submitted["id"]) == listed
    assert call_as(rpc, OFFICER, "reception", "get_reception", submitted["id"])["status"] == "completed"
    with pytest.raises(Conflict):  # locked
        call_as(rpc, OFFICER, "reception", "complete_reception", submitted["id"], {"guests": guests(3)})
    [event] = events_of(container, "reception_completed")
    assert event["differences"] == 3 and event["total_cost_yuan"] == 760.0 and event["in_canteen"] is False


def test_visitors_batches_persons_and_visits_open_past_closing(start_service, rpc):
    container = start_service(ReceptionService)
    register = {"name": "王五", "id_number": "11010519491231002X", "host_name": "赵六", "host_unit_code": "U-INV",
                "purpose": "信访", "kind": "petitioner", "party_size": 5}
    group = call_as(rpc, OFFICER, "reception", "register_visitor", register)
    single = call_as(rpc, OFFICER, "reception", "register_visitor", {**register, "kind": "visitor", "party_size": 1})
    assert group["id_number"] == "1101**********002X" and group["party_size"] == 5
    # one visit began yesterday and is still open: past closing whatever the hour now
    with database_of(container).sessionmaker.begin() as session:
        session.get(Visitor, group["id"]).checked_in_at = datetime.now(timezone.utc) - timedelta(days=1)
    late = call_as(rpc, LEADER, "reception", "list_open_visits", {})
    assert group["id"] in [item["id"] for item in late["items"]]
    assert "11010519491231002X" not in str(late)
    call_as(rpc, OFFICER, "reception", "check_out_visitor", group["id"])
    assert group["id"] not in [item["id"] for item in call_as(rpc, LEADER, "reception", "list_open_visits", {})["items"]]
    stats = call_as(rpc, LEADER, "reception", "reception_stats", {"from": day(-2), "to": day(0)})
    assert stats["visitors"] == {"batches": 2, "persons": 6, "petitioner_batches": 1, "petitioner_persons": 5}
    assert single["kind"] == "visitor"


def test_the_figures_count_receptions_and_the_canteen_share(start_service, rpc):
    start_service(ReceptionService)
    slot = call_as(rpc, OFFICER, "reception", "create_canteen_slot", {"served_on": day(3), "meal": "lunch", "capacity": 50})
    in_canteen = reception(4)
    in_canteen["meals"][0]["canteen_slot_id"] = slot["id"]
    hosted = call_as(rpc, CLERK, "reception", "submit_reception", in_canteen)
    outside = call_as(rpc, CLERK, "reception", "submit_reception", reception(6))
    refused_one = call_as(rpc, CLERK, "reception", "submit_reception", reception(2))
    for approved in (hosted, outside):
        call_as(rpc, OFFICER, "reception", "approve_reception", approved["id"])
    call_as(rpc, OFFICER, "reception", "reject_reception", refused_one["id"], {"reason": "不符合规定"})
    stats = call_as(rpc, LEADER, "reception", "reception_stats", {"from": day(0), "to": day(7)})
    assert stats["receptions"] == {"batches": 2, "guests": 10, "completed": 0, "refused": 1, "cost_yuan": 0.0}
    assert stats["canteen"] == {"batches": 1, "persons": 6, "receptions_in_canteen": 1, "reception_share": 0.5,
                                "reception_persons": 6, "meeting_persons": 0}
    mine = call_as(rpc, OTHER_CLERK, "reception", "reception_stats", {"from": day(0), "to": day(7)})
    assert mine["receptions"]["batches"] == 0 and mine["unit_code"] == "U-OTHER"
    with pytest.raises(NotFound):
        call_as(rpc, OTHER_CLERK, "reception", "reception_stats", {"from": day(0), "to": day(7), "unit_code": "U-INV"})
    with pytest.raises(Invalid) as caught:
        call_as(rpc, LEADER, "reception", "reception_stats", {"from": day(7), "to": day(0)})
    assert "to" in caught.value.errors


def test_a_reception_plan_and_its_list_keep_their_dates_in_order(start_service, rpc):
    container = start_service(ReceptionService)
    talk = {"description": "座谈", "place": "县政府"}
    for changes, field in (
        ({"activities": [{**talk, "start_at": f"{day(3)}T11:00:00+08:00", "end_at": f"{day(3)}T09:00:00+08:00"}]},
         "activities.0.end_at"),
        ({"activities": [{**talk, "start_at": f"{day(9)}T09:00:00+08:00", "end_at": f"{day(9)}T10:00:00+08:00"}]},
         "activities.0.start_at"),
        ({"activities": [{**talk, "start_at": f"{day(4)}T20:00:00+08:00", "end_at": f"{day(5)}T01:00:00+08:00"}]},
         "activities.0.end_at"),
        ({"official_letter": {"number": "杭财函〔2026〕13号", "issuer": "杭州市财政局", "dated_on": day(1)}},
         "official_letter.dated_on"),  # dated in the future
        ({"official_letter": {"number": "杭财函〔2026〕13号", "issuer": "杭州市财政局", "dated_on": day(4)},
          "starts_on": day(3)}, "official_letter.dated_on"),  # after the reception began
    ):
        with pytest.raises((Invalid, RuleViolation)) as caught:
            call_as(rpc, CLERK, "reception", "submit_reception", reception(**changes))
        assert field in caught.value.errors, changes
    fine = call_as(rpc, CLERK, "reception", "submit_reception", reception(activities=[
        {**talk, "start_at": f"{day(3)}T09:00:00+08:00", "end_at": f"{day(4)}T17:00:00+08:00"}]))
    assert fine["status"] == "submitted"
    call_as(rpc, OFFICER, "reception", "approve_reception", fine["id"])
    held(container, fine["id"], 1)  # yesterday and today: its list is made from today
    for actual, field, refusal in (  # out of order: bad input (400); ahead of the clock: 422 dates.in_future
        ({"activities": [{**talk, "start_at": f"{day(-1)}T11:00:00+08:00", "end_at": f"{day(-1)}T10:00:00+08:00"}]},
         "activities.0.end_at", Invalid),
        ({"activities": [{**talk, "start_at": f"{day(0)}T09:00:00+08:00", "end_at": f"{day(1)}T10:00:00+08:00"}]},
         "activities.0.end_at", RuleViolation),
        ({"meals": [{"meal": "lunch", "served_on": day(1), "place": "食堂", "guests": 4, "cost_yuan": "300"}]},
         "meals.0.served_on", RuleViolation),
    ):
        with pytest.raises(refusal) as caught:
            call_as(rpc, OFFICER, "reception", "complete_reception", fine["id"], {"guests": guests(4), **actual})
        assert field in caught.value.errors, actual
        assert refusal is Invalid or caught.value.rule == "dates.in_future"
    assert call_as(rpc, OFFICER, "reception", "get_reception", fine["id"])["status"] == "approved"
    done = call_as(rpc, OFFICER, "reception", "complete_reception", fine["id"], {"guests": guests(4)})
    assert done["locked_at"]


def test_a_unit_sees_every_canteen_slots_remaining_seats_but_only_its_own_batches(start_service, rpc):
    start_service(ReceptionService)
    slot = call_as(rpc, OFFICER, "reception", "create_canteen_slot", {"served_on": day(6), "meal": "dinner", "capacity": 20})
    body = reception(4, accompanying=2, starts_on=day(6), ends_on=day(6))
    body["meals"][0].update(served_on=day(6), meal="dinner", canteen_slot_id=slot["id"])
    call_as(rpc, OTHER_CLERK, "reception", "submit_reception", body)
    seen = call_as(rpc, CLERK, "reception", "list_canteen_slots", {"from": day(6), "to": day(6)})["items"]
    assert [(s["id"], s["capacity"], s["reserved"], s["available"]) for s in seen] == [(slot["id"], 20, 6, 14)]
    assert "batch" not in seen[0] and "unit_code" not in seen[0]
    assert call_as(rpc, CLERK, "reception", "list_canteen_reservations", {"slot_id": slot["id"]})["total"] == 0
    with pytest.raises(NotFound):
        call_as(rpc, CLERK, "reception", "list_canteen_reservations", {"unit_code": "U-OTHER"})
