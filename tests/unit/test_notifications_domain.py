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


def test_a_car_is_overdue_past_its_end_and_the_grace_and_only_while_out():
    out = {"id": 4, "status": "departed", "unit_code": "U1", "destination": "城关镇", "end_at": T.isoformat()}
    grace = timedelta(minutes=30)
    assert domain.cars_overdue([out], T + grace, grace) == []
    [(key, notice)] = domain.cars_overdue([out], T + grace + timedelta(seconds=1), grace)
    assert key == f"car_overdue:4:{T.isoformat()}" and notice.urgent and notice.audience == "role:dispatcher"
    assert domain.cars_overdue([{**out, "status": "returned"}], T + timedelta(days=1), grace) == []


def test_a_repair_warns_within_the_window_before_its_pledge_and_not_after_it():
    repair = {"id": 2, "status": "assigned", "severity": "major", "location": "机房", "unit_code": None,
              "due_at": T.isoformat()}
    window = timedelta(hours=2)
    assert domain.repairs_about_to_break_the_pledge([repair], T - window - timedelta(seconds=1), window) == []
    [(_, notice)] = domain.repairs_about_to_break_the_pledge([repair], T - window, window)
    assert "大修不隔天" in notice.title and notice.audience == "role:facility_manager"
    assert domain.repairs_about_to_break_the_pledge([repair], T, window) == []  # broken: overdue, no longer "about to"
    assert domain.repairs_about_to_break_the_pledge([{**repair, "status": "done"}], T - window, window) == []


def test_a_months_energy_report_is_awaited_from_the_reminder_day_and_due_by_the_tenth():
    early = datetime(2026, 12, 7, 2, 0, tzinfo=timezone.utc)
    assert domain.report_month(early, 8) is None and domain.report_month(early, 7) == "2026-11"
    assert domain.report_month(datetime(2027, 1, 9, tzinfo=timezone.utc), 8) == "2026-12"
    [(key, notice)] = domain.energy_reports_missing(["U1", "U2"], {"U2"}, "2026-12", 10)
    assert key == "energy_report_missing:U1:2026-12" and "2027-01-10 前" in notice.body


def test_the_weekly_digest_sets_each_figure_beside_last_weeks():
    monday_morning = datetime(2026, 12, 7, 1, 0, tzinfo=timezone.utc)  # 09:00 Monday in Shanghai
    last, before, sunday = domain.digest_weeks(monday_morning, 0, 8)
    assert (last.isoformat(), before.isoformat(), sunday.isoformat()) == ("2026-11-30", "2026-11-23", "2026-12-06")
    assert domain.digest_weeks(monday_morning, 0, 10) is None and domain.digest_weeks(monday_morning, 1, 0) is None
    key, notice = domain.weekly_digest(last, {"dispatches": 12, "repairs": 3}, {"dispatches": 9, "repairs": 5})
    assert key == "weekly_digest:2026-W49" and notice.audience == "role:leader"
    assert notice.body == "出车 12 次（上周 9 次）；报修 3 件（上周 5 件）。"
