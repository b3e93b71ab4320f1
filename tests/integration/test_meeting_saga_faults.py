"""The meeting saga against the real facilities and vehicles answering after reception gave
up: no room or car stays booked for a meeting that does not exist, and the user's retry is not
refused by its own ghost."""
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import eventlet
import pytest
from nameko.timer import timer
from sqlalchemy import select

from services.facilities import meetings as facilities_meetings
from services.facilities.models import Booking
from services.facilities.service import FacilitiesService
from services.kit.context import Caller
from services.kit.entrypoints import rpc
from services.kit.errors import Conflict, ServiceTimeout
from services.kit.rpc_client import ServiceRpc
from services.reception.service import ReceptionService
from services.vehicles.models import Dispatch
from services.vehicles.service import VehiclesService
from tests.support import admin_caller, call_as, database_of, eventually

pytestmark = pytest.mark.integration

CLERK = Caller("clerk", ("unit_user",), "U-ORG")
CALLER_WAITS = 2.0  # reception's RPC timeout here
LATE = 3.5  # a late step answers this long after it was asked
GRACE = 3  # facilities' grace period here: longer than a meeting request takes


class PatientReception(ReceptionService):
    facilities = ServiceRpc("facilities", timeout=CALLER_WAITS)
    vehicles = ServiceRpc("vehicles", timeout=CALLER_WAITS)


def answering_late(step):
    """``step`` (an RPC method) answering LATE seconds late when ``Late.steps`` names it: waiting
    before it takes its locks, or after its work and before its commit."""
    @rpc
    def late(self, payload):
        when = Late.steps.get(step.__name__)
        if when == "before":
            eventlet.sleep(LATE)
        answer = step(self, payload)
        if when == "after":
            eventlet.sleep(LATE)
        return answer
    late.__name__ = step.__name__
    return late


class Late:
    steps: dict = {}  # method name -> "before" | "after"


class LateFacilities(FacilitiesService):
    book_meeting_room = answering_late(FacilitiesService.book_meeting_room)


class LateVehicles(VehiclesService):
    create_dispatch = answering_late(VehiclesService.create_dispatch)


def at(hours):
    return (datetime.now(timezone.utc) + timedelta(days=3, hours=hours)).isoformat()


def live(container, model):
    with database_of(container).sessionmaker() as session:
        return session.scalars(select(model).where(model.status != "cancelled")).all()


@pytest.fixture
def saga(start_service, rpc):
    facilities = start_service(LateFacilities)
    vehicles = start_service(LateVehicles)
    start_service(PatientReception)
    room = call_as(rpc, admin_caller(), "facilities", "create_meeting_room", {"name": "第二会议室", "capacity": 40})
    yield facilities, vehicles, room["id"]
    Late.steps.clear()


@pytest.mark.parametrize("step, when", [("book_meeting_room", "before"), ("book_meeting_room", "after"),
                                        ("create_dispatch", "before"), ("create_dispatch", "after")])
def test_a_step_answered_after_the_timeout_leaves_nothing_booked_and_the_retry_books(saga, rpc, step, when):
    facilities, vehicles, room_id = saga
    meeting = {"title": "防汛工作会", "meeting_room_id": room_id, "attendees": 20, "start_at": at(0), "end_at": at(2),
               "cars": [{"passengers": 4, "origin": "县政府", "destination": "水库"}]}
    Late.steps[step] = when
    with pytest.raises(ServiceTimeout):
        call_as(rpc, CLERK, "reception", "request_meeting", meeting)
    eventlet.sleep(LATE + 0.5)  # the late step has run its course
    assert eventually(lambda: live(facilities, Booking) == [] and live(vehicles, Dispatch) == [])  # no orphan
    assert call_as(rpc, CLERK, "reception", "list_meetings", {})["items"] == []

    Late.steps.clear()
    scheduled = call_as(rpc, CLERK, "reception", "request_meeting", meeting)  # not refused by a ghost
    [booking], [dispatch] = live(facilities, Booking), live(vehicles, Dispatch)
    assert booking.id == scheduled["room_booking_id"] and booking.reference == scheduled["reference"]
    assert [dispatch.id] == scheduled["dispatch_ids"] and dispatch.reference == scheduled["reference"]


def test_booking_again_with_a_reference_answers_the_booking_made(saga, rpc):
    *_, room_id = saga
    wanted = {"title": "党委会", "meeting_room_id": room_id, "unit_code": "U-ORG", "attendees": 9,
              "start_at": at(4), "end_at": at(5), "reference": "meeting-5b8f1c1e-0000-4000-8000-000000000001"}
    first = call_as(rpc, CLERK, "facilities", "book_meeting_room", wanted)
    again = call_as(rpc, CLERK, "facilities", "book_meeting_room", wanted)
    assert again["id"] == first["id"] and again["status"] == "booked"
    with pytest.raises(Conflict) as caught:  # the same reference for another time
        call_as(rpc, CLERK, "facilities", "book_meeting_room", {**wanted, "start_at": at(6), "end_at": at(7)})
    assert "reference" in caught.value.errors


class CheckingFacilities(FacilitiesService):
    """Checks meeting bookings every fraction of a second."""

    @timer(interval=0.2)
    def release_orphaned_meeting_bookings(self):
        super().release_orphaned_meeting_bookings()


def test_a_booking_whose_meeting_reception_does_not_hold_is_released_after_the_grace(start_service, rpc,
                                                                                       monkeypatch):
    monkeypatch.setattr(facilities_meetings, "SETTINGS", replace(facilities_meetings.SETTINGS, meeting_booking_grace=GRACE))
    facilities = start_service(CheckingFacilities)
    start_service(ReceptionService)
    room = call_as(rpc, admin_caller(), "facilities", "create_meeting_room", {"name": "第三会议室", "capacity": 40})
    # a booking left by a meeting request whose every compensation was lost
    orphan = call_as(rpc, CLERK, "facilities", "book_meeting_room", {
        "title": "孤儿", "meeting_room_id": room["id"], "start_at": at(0), "end_at": at(1),
        "reference": "meeting-0f0e0d0c-0000-4000-8000-000000000000"})
    manual = call_as(rpc, CLERK, "facilities", "book_meeting_room", {
        "title": "科室例会", "meeting_room_id": room["id"], "start_at": at(2), "end_at": at(3), "reference": "周例会"})
    scheduled = call_as(rpc, CLERK, "reception", "request_meeting", {
        "title": "经济运行分析会", "meeting_room_id": room["id"], "attendees": 12, "start_at": at(4), "end_at": at(5)})

    assert eventually(lambda: {b.id for b in live(facilities, Booking)} == {manual["id"], scheduled["room_booking_id"]})
    with database_of(facilities).sessionmaker() as session:
        assert eventually(lambda: session.get(Booking, scheduled["room_booking_id"], populate_existing=True)
                          .meeting_checked_at is not None)  # reception holds it: asked no more
