"""Who hears what, and when mail may go out: the notifications service's rules without a broker."""
from datetime import datetime, time, timedelta, timezone

from services.notifications import domain

T = datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc)  # 09:00 in Shanghai


def dispatch_event(status, reason=None):
    return {"dispatch_id": 7, "unit_code": "U1", "status": status, "requested_by": "clerk", "destination": "城关镇",
            "start_at": T, "reason": reason}


def test_a_request_goes_to_the_dispatchers_and_a_decision_to_the_requesting_unit():
    [requested] = domain.dispatch_status_changed(dispatch_event("requested"))
    assert (requested.kind, requested.audience) == ("dispatch_requested", "role:dispatcher")
    assert "2026-03-02 09:00" in requested.body  # local time
    [rejected] = domain.dispatch_status_changed(dispatch_event("rejected", "车辆已满"))
    assert (rejected.kind, rejected.audience, rejected.title) == ("dispatch_rejected", "unit:U1", "用车申请未获批准")
    assert rejected.body.endswith("理由：车辆已满")
    assert domain.dispatch_status_changed(dispatch_event("closed")) == []


def test_a_repair_assignment_reaches_the_technician_and_a_units_repair_the_unit():
    event = {"repair_id": 3, "unit_code": None, "technician": "tech-1", "location": "配电室", "category": "electricity",
             "severity": "major", "due_at": T}
    assert [n.audience for n in domain.repair_assigned(event)] == ["user:tech-1"]  # the center's own repair
    assert [n.audience for n in domain.repair_assigned({**event, "unit_code": "U1"})] == ["user:tech-1", "unit:U1"]


def test_a_user_hears_their_name_roles_and_only_as_a_unit_user_their_unit():
    assert domain.audiences_of("a", ("unit_user",), "U1") == ["user:a", "role:unit_user", "unit:U1"]
    assert "unit:U1" not in domain.audiences_of("b", ("dispatcher",), "U1")


def test_mail_waits_for_the_end_of_quiet_hours_across_midnight():
    quiet = (time(22), time(7))
    at = lambda hour: datetime(2026, 3, 2, hour, 30, tzinfo=domain.SHANGHAI)  # noqa: E731
    assert domain.after_quiet_hours(at(9), *quiet) == at(9)
    assert domain.after_quiet_hours(at(23), *quiet) == datetime(2026, 3, 3, 7, 0, tzinfo=domain.SHANGHAI)
    assert domain.after_quiet_hours(at(3), *quiet) == datetime(2026, 3, 2, 7, 0, tzinfo=domain.SHANGHAI)
    assert domain.after_quiet_hours(at(3), time(1), time(5)) == datetime(2026, 3, 2, 5, 0, tzinfo=domain.SHANGHAI)
    assert domain.after_quiet_hours(at(23), time(0), time(0)) == at(23)  # none


def test_retries_double_up_to_a_ceiling():
    assert [domain.retry_pause(n, 5, 60) for n in (1, 2, 3, 10)] == [
        timedelta(seconds=5), timedelta(seconds=10), timedelta(seconds=20), timedelta(seconds=60)]
