"""The meeting saga against stand-ins of facilities and vehicles (the real services are
built on other branches; these keep exactly their RPC contracts, record every call and
fail on demand)."""
import itertools
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from services.kit.context import Caller
from services.kit.entrypoints import rpc as rpc_entrypoint
from services.kit.errors import Conflict, Invalid, RuleViolation, ServiceTimeout, ServiceUnavailable
from services.reception.models import Meeting, OutboxEvent
from services.reception.service import ReceptionService
from tests.support import call_as, database_of

pytestmark = pytest.mark.integration

OFFICER = Caller("officer", ("reception_officer",))
CLERK = Caller("clerk", ("unit_user",), "U-ORG")


class Stand:
    """What the stand-ins were asked, what they hold, and what they should fail with."""

    ids = itertools.count(1)
    calls: list = []
    held: dict = {}  # (kind, id) -> payload, while booked
    failures: dict = {}  # method -> error raised while set

    @classmethod
    def reset(cls):
        cls.calls.clear()
        cls.held.clear()
        cls.failures.clear()

    @classmethod
    def enter(cls, method, *args):
        cls.calls.append((method, *args))
        if method in cls.failures:
            raise cls.failures[method]


class facilities:  # noqa: N801  (named as the service it stands in for)
    name = "facilities"

    @rpc_entrypoint
    def book_meeting_room(self, payload):
        Stand.enter("book_meeting_room", payload)
        booking_id = next(Stand.ids)
        Stand.held[("room_booking", booking_id)] = payload
        return {"id": booking_id, **payload}

    @rpc_entrypoint
    def cancel_booking(self, booking_id):
        Stand.enter("cancel_booking", booking_id)
        Stand.held.pop(("room_booking", booking_id), None)
        return {"id": booking_id, "status": "cancelled"}


class vehicles:  # noqa: N801
    name = "vehicles"

    @rpc_entrypoint
    def create_dispatch(self, payload):
        Stand.enter("create_dispatch", payload)
        dispatch_id = next(Stand.ids)
        Stand.held[("dispatch", dispatch_id)] = payload
        return {"id": dispatch_id, "status": "requested", **payload}

    @rpc_entrypoint
    def cancel_dispatch(self, dispatch_id, payload):
        Stand.enter("cancel_dispatch", dispatch_id, payload)
        Stand.held.pop(("dispatch", dispatch_id), None)
        return {"id": dispatch_id, "status": "cancelled"}


@pytest.fixture
def suite(start_service):
    Stand.reset()
    start_service(facilities, database_url="sqlite://")
    start_service(vehicles, database_url="sqlite://")
    yield start_service(ReceptionService)
    Stand.reset()


def at(hours):
    return (datetime.now(timezone.utc) + timedelta(days=2, hours=hours)).isoformat()


def meeting(cars=1, **changes):
    return {"title": "全县后勤工作会", "meeting_room_id": 7, "attendees": 30, "start_at": at(0), "end_at": at(2),
            "services": ["茶水", "桌签"],
            "cars": [{"passengers": 4, "origin": "县政府", "destination": "会场"} for _ in range(cars)], **changes}


def meetings_in(container, status=None):
    with database_of(container).sessionmaker() as session:
        statement = select(Meeting)
        if status:
            statement = statement.where(Meeting.status == status)
        return session.scalars(statement).all()


def test_a_meeting_books_a_room_and_its_cars_and_is_announced(suite, rpc):
    scheduled = call_as(rpc, CLERK, "reception", "request_meeting", meeting(cars=2))
    assert scheduled["status"] == "scheduled" and scheduled["unit_code"] == "U-ORG"
    assert set(Stand.held) == {("room_booking", scheduled["room_booking_id"])} | {
        ("dispatch", dispatch_id) for dispatch_id in scheduled["dispatch_ids"]}
    booking = Stand.held[("room_booking", scheduled["room_booking_id"])]
    assert booking["reference"] == scheduled["reference"] and booking["attendees"] == 30
    car = Stand.held[("dispatch", scheduled["dispatch_ids"][0])]
    assert car["purpose"] == "全县后勤工作会" and car["unit_code"] == "U-ORG" and car["start_at"] == scheduled["start_at"]
    with database_of(suite).sessionmaker() as session:
        [event] = session.scalars(select(OutboxEvent).where(OutboxEvent.event_type == "meeting_scheduled")).all()
    assert event.payload["dispatch_ids"] == scheduled["dispatch_ids"]


@pytest.mark.parametrize("method, error", [
    ("book_meeting_room", Conflict("the room is booked")),
    ("book_meeting_room", RuleViolation("too many attendees", "facilities.room_capacity")),
    ("create_dispatch", ServiceUnavailable("no cars")),
    ("create_dispatch", ServiceTimeout("vehicles did not answer")),
])
def test_a_failed_step_releases_everything_and_the_caller_gets_its_reason(suite, rpc, method, error):
    Stand.failures[method] = error
    with pytest.raises(type(error)) as caught:
        call_as(rpc, CLERK, "reception", "request_meeting", meeting(cars=2))
    assert caught.value.detail == error.detail
    assert getattr(caught.value, "rule", None) == getattr(error, "rule", None)
    assert Stand.held == {}  # nothing stays reserved
    assert meetings_in(suite) == []  # and no meeting row remains
    if method == "create_dispatch":
        assert [call[0] for call in Stand.calls] == ["book_meeting_room", "create_dispatch", "cancel_booking"]


def test_the_second_car_failing_releases_the_first_car_then_the_room(suite, rpc):
    original = vehicles.create_dispatch

    def second_fails(self, payload):
        if sum(call[0] == "create_dispatch" for call in Stand.calls) == 1:
            Stand.failures["create_dispatch"] = Conflict("no second car")
        return original(self, payload)

    vehicles.create_dispatch = second_fails
    try:
        with pytest.raises(Conflict):
            call_as(rpc, CLERK, "reception", "request_meeting", meeting(cars=2))
    finally:
        vehicles.create_dispatch = original
    assert [call[0] for call in Stand.calls] == [
        "book_meeting_room", "create_dispatch", "create_dispatch", "cancel_dispatch", "cancel_booking"]
    assert Stand.held == {}


def test_each_request_books_under_a_reference_of_its_own_and_a_failed_one_is_abandoned(suite, rpc):
    Stand.failures["book_meeting_room"] = ServiceTimeout("facilities did not answer")  # it may book later
    with pytest.raises(ServiceTimeout):
        call_as(rpc, CLERK, "reception", "request_meeting", meeting(cars=0))
    del Stand.failures["book_meeting_room"]
    scheduled = call_as(rpc, CLERK, "reception", "request_meeting", meeting(cars=0))
    [lost, booked] = [call[1]["reference"] for call in Stand.calls if call[0] == "book_meeting_room"]
    assert lost != booked == scheduled["reference"] and booked.startswith("meeting-")
    with database_of(suite).sessionmaker() as session:
        [abandoned] = session.scalars(select(OutboxEvent).where(OutboxEvent.event_type == "meeting_abandoned")).all()
    assert abandoned.payload["reference"] == lost and abandoned.payload["meeting_room_id"] == 7
    assert call_as(rpc, OFFICER, "reception", "meeting_statuses", [lost, booked]) == {
        booked: {"status": "scheduled", "room_booking_id": scheduled["room_booking_id"]}}


def test_a_release_that_fails_is_recorded_and_retried_until_it_succeeds(suite, rpc):
    Stand.failures["create_dispatch"] = Conflict("no car")
    Stand.failures["cancel_booking"] = ServiceUnavailable("facilities is restarting")
    with pytest.raises(Conflict):
        call_as(rpc, CLERK, "reception", "request_meeting", meeting(cars=1))
    assert meetings_in(suite, "scheduled") == []
    [failed] = meetings_in(suite)
    assert failed.status == "failed" and failed.compensation_due
    [pending] = failed.compensation_pending
    assert pending["kind"] == "room_booking" and ("room_booking", pending["id"]) in Stand.held
    assert call_as(rpc, OFFICER, "reception", "retry_compensations") == {"meetings": 1, "pending": 1}
    del Stand.failures["cancel_booking"]
    assert call_as(rpc, OFFICER, "reception", "retry_compensations") == {"meetings": 1, "pending": 0}
    assert Stand.held == {}
    [done] = meetings_in(suite)
    assert done.status == "failed" and not done.compensation_due and done.compensation_pending == []


def test_cancelling_a_meeting_releases_its_room_cars_and_canteen_seats(suite, rpc):
    scheduled = call_as(rpc, CLERK, "reception", "request_meeting", meeting(cars=1))
    slot = call_as(rpc, OFFICER, "reception", "create_canteen_slot",
                   {"served_on": at(0)[:10], "meal": "lunch", "capacity": 40})
    call_as(rpc, OFFICER, "reception", "create_canteen_reservation",
            {"slot_id": slot["id"], "head_count": 30, "meeting_id": scheduled["id"]})
    cancelled = call_as(rpc, CLERK, "reception", "cancel_meeting", scheduled["id"], {"reason": "改期"})
    assert cancelled["status"] == "cancelled" and Stand.held == {}
    assert ("cancel_dispatch", scheduled["dispatch_ids"][0], {"reason": "改期"}) in Stand.calls
    assert call_as(rpc, OFFICER, "reception", "get_canteen_slot", slot["id"])["reserved"] == 0
    with pytest.raises(Conflict):
        call_as(rpc, CLERK, "reception", "cancel_meeting", scheduled["id"], {})


def test_attendees_check_in_once_each_and_count_toward_the_figures(suite, rpc):
    scheduled = call_as(rpc, CLERK, "reception", "request_meeting", meeting(cars=0))
    first = call_as(rpc, OFFICER, "reception", "check_in_meeting", scheduled["id"], {"name": "张三", "unit_code": "U-ORG"})
    second = call_as(rpc, OFFICER, "reception", "check_in_meeting", scheduled["id"], {"name": "李四"})
    assert (first["checked_in"], second["checked_in"]) == (1, 2)
    with pytest.raises(Conflict):
        call_as(rpc, OFFICER, "reception", "check_in_meeting", scheduled["id"], {"name": "张三"})
    today = datetime.now(timezone.utc).date()
    period = {"from": str(today), "to": str(today + timedelta(days=4))}
    stats = call_as(rpc, OFFICER, "reception", "reception_stats", period)
    assert stats["meetings"] == {"meetings": 1, "attendees": 30, "checked_in": 2}
    listed = call_as(rpc, CLERK, "reception", "list_meetings", {})
    assert [item["id"] for item in listed["items"]] == [scheduled["id"]]


def test_a_meeting_that_ends_before_it_starts_is_bad_input(suite, rpc):
    with pytest.raises(Invalid) as caught:
        call_as(rpc, CLERK, "reception", "request_meeting", meeting(start_at=at(2), end_at=at(1)))
    assert "end_at" in caught.value.errors and Stand.calls == []
