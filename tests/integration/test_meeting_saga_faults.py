"""The meeting saga against the real facilities service answering after reception gave up:
no room stays booked for a meeting that does not exist, and the user's retry is not refused
by its own ghost."""
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
from tests.support import admin_caller, call_as, database_of, eventually

pytestmark = pytest.mark.integration

CLERK = Caller("clerk", ("unit_user",), "U-ORG")
CALLER_WAITS = 1.0  # reception's RPC timeout here
LATE = 2.0  # facilities answers this long after it was asked


class PatientReception(ReceptionService):
    facilities = ServiceRpc("facilities", timeout=CALLER_WAITS)
    vehicles = ServiceRpc("vehicles", timeout=CALLER_WAITS)


class LateFacilities(FacilitiesService):
    """Books LATE seconds after being asked: before taking the room's lock, or after booking
    and before its commit. Otherwise the real service."""

    late = None  # None | "before" | "after"

    @rpc
    def book_meeting_room(self, payload):
        if LateFacilities.late == "before":
            eventlet.sleep(LATE)
        answer = super().book_meeting_room(payload)
        if LateFacilities.late == "after":
            eventlet.sleep(LATE)
        return answer


def at(hours):
    return (datetime.now(timezone.utc) + timedelta(days=3, hours=hours)).isoformat()


def live_bookings(facilities):
    with database_of(facilities).sessionmaker() as session:
        return session.scalars(select(Booking).where(Booking.status == "booked")).all()


@pytest.fixture
def saga(start_service, rpc):
    facilities = start_service(LateFacilities)
    start_service(PatientReception)
    room = call_as(rpc, admin_caller(), "facilities", "create_meeting_room", {"name": "第二会议室", "capacity": 40})
    yield facilities, room["id"]
    LateFacilities.late = None


@pytest.mark.parametrize("late", ["before", "after"])
def test_a_booking_answered_after_the_timeout_is_released_and_the_retry_books(saga, rpc, late):
    facilities, room_id = saga
    meeting = {"title": "防汛工作会", "meeting_room_id": room_id, "attendees": 20, "start_at": at(0), "end_at": at(2)}
    LateFacilities.late = late
    with pytest.raises(ServiceTimeout):
        call_as(rpc, CLERK, "reception", "request_meeting", meeting)
    eventlet.sleep(LATE + 0.5)  # the late booking has run its course
    assert eventually(lambda: live_bookings(facilities) == [])  # no orphan
    assert call_as(rpc, CLERK, "reception", "list_meetings", {})["items"] == []

    LateFacilities.late = None
    scheduled = call_as(rpc, CLERK, "reception", "request_meeting", meeting)  # not refused by a ghost
    [booking] = live_bookings(facilities)
    assert booking.id == scheduled["room_booking_id"] and booking.reference == scheduled["reference"]


def test_booking_again_with_a_reference_answers_the_booking_made(saga, rpc):
    _, room_id = saga
    wanted = {"title": "党委会", "meeting_room_id": room_id, "unit_code": "U-ORG", "attendees": 9,
              "start_at": at(4), "end_at": at(5), "reference": "meeting-5b8f1c1e-0000-4000-8000-000000000001"}
    first = call_as(rpc, CLERK, "facilities", "book_meeting_room", wanted)
    again = call_as(rpc, CLERK, "facilities", "book_meeting_room", wanted)
    assert again["id"] == first["id"] and again["status"] == "booked"
    with pytest.raises(Conflict) as caught:  # the same reference for another time
        call_as(rpc, CLERK, "facilities", "book_meeting_room", {**wanted, "start_at": at(6), "end_at": at(7)})
    assert "reference" in caught.value.errors


class CheckingFacilities(FacilitiesService):
    """Checks meeting bookings every fraction of a second, with no grace."""

    @timer(interval=0.2)
    def release_orphaned_meeting_bookings(self):
        super().release_orphaned_meeting_bookings()


def test_a_booking_whose_meeting_reception_does_not_hold_is_released_after_the_grace(start_service, rpc,
                                                                                       monkeypatch):
    monkeypatch.setattr(facilities_meetings, "SETTINGS", replace(facilities_meetings.SETTINGS, meeting_booking_grace=0))
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

    assert eventually(lambda: {b.id for b in live_bookings(facilities)} == {manual["id"], scheduled["room_booking_id"]})
    with database_of(facilities).sessionmaker() as session:
        assert eventually(lambda: session.get(Booking, scheduled["room_booking_id"], populate_existing=True)
                          .meeting_checked_at is not None)  # reception holds it: asked no more
