"""Notifications from the events the services publish, on the real broker and databases:
who hears what, each user's own inbox, an event delivered again notifying once, and e-mail
through a real SMTP server (aiosmtpd, started here) that may be down for a while."""
import dataclasses
import json
import mailbox
import subprocess
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone

import eventlet
import pytest
from nameko.amqp.publish import Publisher
from nameko.standalone.events import get_event_exchange
from sqlalchemy import func, select

from services.energy import contract as energy
from services.facilities import contract as facilities
from services.facilities.service import FacilitiesService
from services.kit.context import ADMIN_ROLES, Caller
from services.kit.errors import Forbidden, Invalid, NotFound
from services.notifications import settings as notification_settings
from services.notifications.models import Delivery, Notification
from services.notifications.service import NotificationsService
from services.reception.service import ReceptionService
from services.vehicles import contract as vehicles
from services.vehicles.service import VehiclesService
from services.integrations.service import IntegrationsService
from tests.integration.test_integrations_webhooks import Receiver, quick  # noqa: F401  (a fixture)
from tests.integration.test_reception_workflows import reception
from tests.integration.test_vehicles_service import Fleet
from tests.support import call_as, database_of, eventually, free_port, port_open

pytestmark = pytest.mark.integration

DISPATCHER = Caller("disp-n", ("dispatcher",))
MANAGER = Caller("fm-n", ("facility_manager",))
OUTAGE_SECONDS = 60  # how long the mail server is down (retried every 2 s at most meanwhile)
SOON = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(days=2)


def unit():
    return f"U-{uuid.uuid4().hex[:6]}"


def clerk_of(unit_code, name=None):
    return Caller(name or f"clerk-{unit_code}", ("unit_user",), unit_code)


def inbox(rpc, caller, **query):
    return call_as(rpc, caller, "notifications", "list_notifications", query)["items"]


def kinds(rpc, caller):
    return sorted(item["kind"] for item in inbox(rpc, caller))


def request_car(fleet, clerk):
    return fleet("create_dispatch", {"purpose": "会议", "passengers": 2, "origin": "县政府", "destination": "城关镇",
                                     "start_at": SOON.isoformat(), "end_at": (SOON + timedelta(hours=3)).isoformat()},
                 caller=clerk)


@pytest.fixture
def suite(start_service, rpc):
    notifications = start_service(NotificationsService)  # first: its queues exist before events flow
    fleet = Fleet(rpc)
    fleet.container = start_service(VehiclesService)
    start_service(FacilitiesService)
    return notifications, fleet


def test_a_units_car_request_is_heard_by_the_dispatcher_and_its_decisions_by_the_unit_alone(suite, rpc):
    _, fleet = suite
    own, other = unit(), unit()
    clerk, stranger = clerk_of(own), clerk_of(other)
    d = request_car(fleet, clerk)
    [requested] = eventually(lambda: [n for n in inbox(rpc, DISPATCHER) if n["body"].find(f"第 {d['id']} 号") >= 0])
    assert requested["kind"] == "dispatch_requested" and requested["link"] == f"/console/dispatches/{d['id']}"
    fleet("approve_dispatch", d["id"])
    v, driver = fleet.vehicle(own, odometer_km="100"), fleet.driver()
    fleet("assign_dispatch", d["id"], {"vehicle_id": v["id"], "driver_id": driver["id"]})
    assert eventually(lambda: kinds(rpc, clerk) == ["dispatch_approved", "dispatch_assigned"])
    approved = next(n for n in inbox(rpc, clerk) if n["kind"] == "dispatch_approved")
    assert approved["title"] == "用车申请已批准" and approved["read"] is False and approved["unit_code"] == own
    refused = request_car(fleet, clerk)
    fleet("reject_dispatch", refused["id"], {"reason": "当日车辆已满"})
    rejected = eventually(lambda: [n for n in inbox(rpc, clerk) if n["kind"] == "dispatch_rejected"])
    assert "当日车辆已满" in rejected[0]["body"]
    # another unit's clerk, a technician and the dispatcher hear none of the unit's decisions
    assert inbox(rpc, stranger) == []
    assert inbox(rpc, Caller("tech-x", ("technician",))) == []
    assert "dispatch_approved" not in kinds(rpc, DISPATCHER)


def test_a_repair_is_heard_by_its_technician_and_the_reporting_unit(suite, rpc):
    own = unit()
    clerk = clerk_of(own)
    tech, other_tech = Caller("tech-a", ("technician",)), Caller("tech-b", ("technician",))
    repair = call_as(rpc, clerk, "facilities", "report_repair",
                     {"location": "3楼卫生间", "category": "water", "severity": "minor"})
    call_as(rpc, MANAGER, "facilities", "assign_repair", repair["id"], {"technician": "tech-a"})
    [assigned] = eventually(lambda: inbox(rpc, tech))
    assert assigned["kind"] == "repair_assigned" and "3楼卫生间" in assigned["body"]
    call_as(rpc, tech, "facilities", "start_repair", repair["id"])
    call_as(rpc, tech, "facilities", "complete_repair", repair["id"], {"note": "换阀门"})
    assert eventually(lambda: kinds(rpc, clerk) == ["repair_assigned", "repair_completed"])
    assert inbox(rpc, other_tech) == [] and inbox(rpc, MANAGER) == []
    assert [n["kind"] for n in inbox(rpc, tech)] == ["repair_assigned"]


def test_an_event_delivered_again_notifies_once(suite, rpc, test_backends):
    notifications, _ = suite
    own = unit()
    event = {"event_id": str(uuid.uuid4()), "occurred_at": "2026-03-01T08:00:00+00:00", "dispatch_id": 77,
             "unit_code": own, "status": "approved", "requested_by": "x", "destination": "城关镇",
             "start_at": "2026-03-02T01:00:00+00:00", "reason": None}
    exchange = get_event_exchange(vehicles.SERVICE, {})
    publisher = Publisher(test_backends.amqp_uri, declare=[exchange])
    for _ in range(3):
        publisher.publish(event, exchange=exchange, routing_key=vehicles.DISPATCH_STATUS_CHANGED)
    eventually(lambda: inbox(rpc, clerk_of(own)))
    eventlet.sleep(0.5)  # let the duplicates arrive
    assert len(inbox(rpc, clerk_of(own))) == 1
    with database_of(notifications).sessionmaker() as session:
        assert session.scalar(select(func.count()).select_from(Notification)
                              .where(Notification.source_key == event["event_id"])) == 1


def test_each_user_reads_and_marks_only_their_own_inbox(suite, rpc):
    _, fleet = suite
    own = unit()
    first, second = clerk_of(own, "clerk-1"), clerk_of(own, "clerk-2")
    d = request_car(fleet, first)
    fleet("approve_dispatch", d["id"])
    [notice] = eventually(lambda: inbox(rpc, first))
    assert call_as(rpc, first, "notifications", "unread_count") == {"unread": 1}
    assert call_as(rpc, first, "notifications", "mark_read", notice["id"]) == {"marked": 1}
    assert call_as(rpc, first, "notifications", "mark_read", notice["id"]) == {"marked": 1}  # again: harmless
    assert call_as(rpc, first, "notifications", "unread_count") == {"unread": 0}
    assert inbox(rpc, first)[0]["read"] is True and inbox(rpc, first, unread=True) == []
    # the unit's other clerk has it unread still; another unit's clerk cannot reach it
    assert call_as(rpc, second, "notifications", "unread_count") == {"unread": 1}
    with pytest.raises(NotFound):
        call_as(rpc, clerk_of(unit()), "notifications", "mark_read", notice["id"])
    with pytest.raises(Forbidden):  # a system's key has no inbox
        call_as(rpc, Caller("gps", ("dispatcher",), kind="api_key"), "notifications", "list_notifications", {})
    assert call_as(rpc, second, "notifications", "mark_all_read") == {"marked": 1}
    # a muted kind is neither listed nor counted
    call_as(rpc, first, "notifications", "update_preferences", {"muted_kinds": ["dispatch_approved"]})
    assert inbox(rpc, first) == []
    with pytest.raises(Invalid) as bad:
        call_as(rpc, first, "notifications", "update_preferences", {"muted_kinds": ["nonsense"], "email": "x"})
    assert set(bad.value.errors) >= {"email", "muted_kinds.0"}


def test_a_flagged_trip_asks_its_unit_for_an_explanation_with_the_deadline(suite, rpc):
    _, fleet = suite
    own = unit()
    v = fleet.vehicle(own)
    start = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(hours=3)
    fleet("record_gps_trips", {"trips": [{"trip_id": uuid.uuid4().hex, "vehicle_id": v["id"],
                                          "start_at": start.isoformat(),
                                          "end_at": (start + timedelta(hours=1)).isoformat(), "distance_km": "12"}]})
    [flag] = eventually(lambda: inbox(rpc, clerk_of(own)))
    assert (flag["kind"], flag["urgent"], flag["link"]) == ("flag_explanation_due", True, "/console/vehicle-flags")
    assert "无任务出车" in flag["title"] and "前说明情况" in flag["body"]
    assert inbox(rpc, clerk_of(unit())) == []


def test_a_reception_approved_or_refused_is_heard_by_its_unit(start_service, rpc):
    start_service(NotificationsService)
    start_service(ReceptionService)
    own = unit()
    clerk, officer = clerk_of(own), Caller("officer-n", ("reception_officer",))
    first = call_as(rpc, clerk, "reception", "submit_reception", reception())
    second = call_as(rpc, clerk, "reception", "submit_reception", reception(title="省厅检查"))
    call_as(rpc, officer, "reception", "approve_reception", first["id"], {"note": "同意"})
    call_as(rpc, officer, "reception", "reject_reception", second["id"], {"reason": "超出标准"})
    assert eventually(lambda: kinds(rpc, clerk) == ["reception_approved", "reception_rejected"])
    refused = next(n for n in inbox(rpc, clerk) if n["kind"] == "reception_rejected")
    assert "省厅检查" in refused["body"] and "超出标准" in refused["body"]
    assert inbox(rpc, officer) == [] and inbox(rpc, clerk_of(unit())) == []


def publish(test_backends, service, event_type, event):
    exchange = get_event_exchange(service, {})
    Publisher(test_backends.amqp_uri, declare=[exchange]).publish(event, exchange=exchange, routing_key=event_type)


def test_an_overdue_rectification_reaches_the_unit_and_a_target_at_risk_the_energy_officers(
        start_service, rpc, test_backends):
    start_service(NotificationsService)
    own = unit()
    publish(test_backends, facilities.SERVICE, facilities.RECTIFICATION_OVERDUE, {
        "event_id": str(uuid.uuid4()), "occurred_at": "2026-03-01T08:00:00+00:00", "rectification_id": 5,
        "room_id": 9, "unit_code": own, "finding": "超标 6 平方米", "deadline_on": "2026-02-28"})
    publish(test_backends, energy.SERVICE, energy.TARGET_AT_RISK, {
        "event_id": str(uuid.uuid4()), "occurred_at": "2026-04-01T08:00:00+00:00", "institution_id": 3,
        "unit_code": own, "year": 2026, "indicator": "per_person_kgce", "projected": 420.5, "target": 400.0,
        "target_source": "plan", "through_month": 3})
    [due] = eventually(lambda: inbox(rpc, clerk_of(own)))
    assert due["kind"] == "rectification_due" and "2026-02-28" in due["body"]
    officer = Caller("eo-n", ("energy_officer",))
    [risk] = eventually(lambda: [n for n in inbox(rpc, officer) if n["unit_code"] == own])
    assert risk["kind"] == "target_at_risk" and "人均综合能耗" in risk["body"] and "420.5" in risk["body"]
    assert [n["kind"] for n in inbox(rpc, clerk_of(own))] == ["rectification_due"]


# -- e-mail -------------------------------------------------------------------------------------
class MailServer:
    """A real SMTP server (aiosmtpd) in a process of its own, keeping what it receives in a Maildir."""

    def __init__(self, folder):
        self.port, self.folder, self.process = free_port(), str(folder), None
        mailbox.Maildir(self.folder, create=True)

    def start(self):
        self.process = subprocess.Popen([sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{self.port}",
                                         "-c", "aiosmtpd.handlers.Mailbox", self.folder])
        eventually(lambda: port_open("127.0.0.1", self.port))

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None

    def received(self):
        from email.header import decode_header, make_header

        return sorted((m["To"], str(make_header(decode_header(m["Subject"])))) for m in mailbox.Maildir(self.folder))


@pytest.fixture
def mail_server(tmp_path, monkeypatch):
    server = MailServer(tmp_path / "maildir")
    monkeypatch.setattr(notification_settings, "SETTINGS", dataclasses.replace(
        notification_settings.SETTINGS, smtp_host="127.0.0.1", smtp_port=server.port, quiet_start="00:00",
        quiet_end="00:00", retry_base_seconds=0.5, retry_max_seconds=2))
    yield server
    server.stop()


def deliveries(container):
    with database_of(container).sessionmaker() as session:
        return session.scalars(select(Delivery).order_by(Delivery.id)).all()


def test_a_notification_is_mailed_to_the_members_of_its_audience_who_gave_an_address(suite, rpc, mail_server):
    notifications, fleet = suite
    mail_server.start()
    own = unit()
    clerk, silent, stranger = clerk_of(own, "clerk-m"), clerk_of(own, "clerk-s"), clerk_of(unit(), "clerk-o")
    call_as(rpc, clerk, "notifications", "update_preferences", {"email": "clerk@unit.example"})
    call_as(rpc, silent, "notifications", "update_preferences", {"muted_kinds": ["dispatch_approved"]})
    call_as(rpc, stranger, "notifications", "update_preferences", {"email": "other@unit.example"})
    d = request_car(fleet, clerk)
    fleet("approve_dispatch", d["id"])
    assert eventually(mail_server.received) == [("clerk@unit.example", "[机关后勤服务中心] 用车申请已批准")]
    [notice] = eventually(lambda: [n for n in inbox(rpc, clerk) if n["deliveries"]
                                   and n["deliveries"][0]["status"] == "sent"])
    assert notice["deliveries"][0]["channel"] == "email" and notice["deliveries"][0]["attempts"] == 1
    assert [d.username for d in deliveries(notifications)] == ["clerk-m"]


def test_mail_waits_while_the_server_is_down_and_arrives_once_when_it_is_back(suite, rpc, mail_server, monkeypatch):
    monkeypatch.setattr(notification_settings, "SETTINGS",
                        dataclasses.replace(notification_settings.SETTINGS, max_attempts=1000))
    notifications, fleet = suite
    own = unit()
    clerk = clerk_of(own, "clerk-d")
    call_as(rpc, clerk, "notifications", "update_preferences", {"email": "clerk-d@unit.example"})
    down_since = time.monotonic()
    for _ in range(2):
        fleet("approve_dispatch", request_car(fleet, clerk)["id"])
    # the server is down for a minute: the mails are tried, kept and shown pending with their attempts
    eventually(lambda: len(deliveries(notifications)) == 2 and min(d.attempts for d in deliveries(notifications)) >= 2)
    eventlet.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - down_since)))
    assert {d.status for d in deliveries(notifications)} == {"pending"}
    pending = [n["deliveries"][0] for n in inbox(rpc, clerk)]
    assert [p["status"] for p in pending] == ["pending", "pending"] and min(p["attempts"] for p in pending) >= 2
    mail_server.start()
    assert eventually(lambda: len(mail_server.received()) == 2)
    eventlet.sleep(2)  # a round more: nothing is sent again
    assert mail_server.received() == [("clerk-d@unit.example", "[机关后勤服务中心] 用车申请已批准")] * 2
    assert {d.status for d in deliveries(notifications)} == {"sent"}


def test_a_mail_given_up_is_shown_undelivered_in_the_inbox(suite, rpc, mail_server, monkeypatch):
    monkeypatch.setattr(notification_settings, "SETTINGS",
                        dataclasses.replace(notification_settings.SETTINGS, max_attempts=2))
    _, fleet = suite
    clerk = clerk_of(unit(), "clerk-f")
    call_as(rpc, clerk, "notifications", "update_preferences", {"email": "clerk-f@unit.example"})
    fleet("approve_dispatch", request_car(fleet, clerk)["id"])
    [failed] = eventually(lambda: [n["deliveries"][0] for n in inbox(rpc, clerk)
                                   if n["deliveries"] and n["deliveries"][0]["status"] == "failed"])
    assert failed == {"channel": "email", "status": "failed", "attempts": 2, "sent_at": None}
    assert inbox(rpc, clerk)[0]["read"] is False  # still in the inbox, where it is read


# -- SMS and WeChat through the message gateway's webhook -----------------------------------------
def test_the_message_gateway_hears_each_notification_once_by_webhook(suite, start_service, rpc, quick):  # noqa: F811
    _, fleet = suite
    start_service(IntegrationsService)
    receiver = Receiver()
    try:
        admin = Caller("admin-n", ADMIN_ROLES)
        client = call_as(rpc, admin, "integrations", "create_client", {
            "name": f"短信平台-{uuid.uuid4().hex[:6]}", "department": "县大数据中心", "contact_name": "王"})
        own = unit()
        call_as(rpc, admin, "integrations", "create_subscription", {
            "client_id": client["id"], "url": receiver.url, "event_types": ["notification_created"],
            "unit_codes": [own]})
        clerk = clerk_of(own)
        fleet("approve_dispatch", request_car(fleet, clerk)["id"])
        fleet("approve_dispatch", request_car(fleet, clerk_of(unit()))["id"])  # another unit's: not sent
        eventually(lambda: len(receiver.received) >= 2)
        eventlet.sleep(1)  # the other unit's, or a second copy, would have come by now
        payloads = sorted((json.loads(got["body"]) for got in receiver.received), key=lambda b: b["payload"]["kind"])
        assert [b["type"] for b in payloads] == ["notification_created"] * 2
        approved, requested = (b["payload"] for b in payloads)
        [notice] = inbox(rpc, clerk)
        assert (approved["notification_id"], approved["audience"], approved["kind"], approved["title"]) == (
            notice["id"], f"unit:{own}", "dispatch_approved", "用车申请已批准")
        assert (requested["audience"], requested["unit_code"]) == ("role:dispatcher", own)
    finally:
        receiver.stop()


# -- the timer's reminders, asked of the owning services --------------------------------------------
def test_reminders_are_made_once_for_each_due_item_from_what_the_services_answer(start_service, rpc, monkeypatch):
    from services.energy.service import EnergyService
    from services.notifications import domain

    now = datetime.now(timezone.utc)
    here = now.astimezone(domain.SHANGHAI)
    monkeypatch.setattr(notification_settings, "SETTINGS", dataclasses.replace(
        notification_settings.SETTINGS, pledge_warning_minutes=48 * 60, energy_report_remind_from_day=1,
        digest_weekday=here.weekday(), digest_hour=0))
    start_service(NotificationsService)
    fleet = Fleet(rpc)
    fleet.container = start_service(VehiclesService)
    start_service(FacilitiesService)
    start_service(ReceptionService)
    start_service(EnergyService)
    admin = Caller("admin-r", ADMIN_ROLES)
    # a car entered as departing three hours ago on a two-hour trip, still out
    own = unit()
    start = now.replace(microsecond=0) - timedelta(hours=3)
    out = fleet.dispatch(own, start=start, hours=2)
    fleet("assign_dispatch", out["id"], {"vehicle_id": fleet.vehicle(own)["id"], "driver_id": fleet.driver()["id"]})
    fleet("depart_dispatch", out["id"], {"departed_at": start.isoformat()})
    # an open repair, its pledge within the (widened) warning
    repair = call_as(rpc, clerk_of(own), "facilities", "report_repair",
                     {"location": "2楼会议室", "category": "electricity", "severity": "minor"})
    # two institutions, one of which reported last month
    late, punctual = unit(), unit()
    last_month = f"{here.replace(day=1) - timedelta(days=1):%Y-%m}"
    for code in (late, punctual):
        call_as(rpc, admin, "energy", "create_institution", {"unit_code": code, "name": code, "headcount": 10})
    call_as(rpc, admin, "energy", "record_readings", {"unit_code": punctual, "period": last_month,
                                                      "energy_type": "electricity", "quantity": 100, "unit": "kWh"})
    made = call_as(rpc, admin, "notifications", "run_reminders")
    assert made["car_overdue"] >= 1 and made["repair_pledge_at_risk"] >= 1 and made["weekly_digest"] == 1
    again = call_as(rpc, admin, "notifications", "run_reminders")
    assert again == {"car_overdue": 0, "repair_pledge_at_risk": 0, "energy_report_missing": 0, "weekly_digest": 0}

    overdue = [n for n in inbox(rpc, DISPATCHER) if n["kind"] == "car_overdue" and f"第 {out['id']} 号" in n["body"]]
    assert len(overdue) == 1 and overdue[0]["urgent"] is True
    pledge = [n for n in inbox(rpc, MANAGER) if n["kind"] == "repair_pledge_at_risk"
              and f"第 {repair['id']} 号" in n["body"]]
    assert len(pledge) == 1 and "小修不过夜" in pledge[0]["title"]
    [missing] = inbox(rpc, clerk_of(late))
    assert missing["kind"] == "energy_report_missing" and last_month in missing["body"]
    assert inbox(rpc, clerk_of(punctual)) == []
    [digest] = inbox(rpc, Caller("leader-r", ("leader",)))
    assert digest["kind"] == "weekly_digest" and "上周" in digest["body"] and "出车" in digest["body"]
    assert not [n for n in inbox(rpc, clerk_of(own)) if n["kind"] in ("car_overdue", "repair_pledge_at_risk")]
    with pytest.raises(Forbidden):
        call_as(rpc, DISPATCHER, "notifications", "run_reminders")


def test_in_quiet_hours_only_urgent_mail_goes_out(suite, rpc, mail_server, monkeypatch):
    from services.notifications import domain

    here = datetime.now(timezone.utc).astimezone(domain.SHANGHAI)
    monkeypatch.setattr(notification_settings, "SETTINGS", dataclasses.replace(
        notification_settings.SETTINGS, quiet_start=f"{(here - timedelta(hours=1)):%H:%M}",
        quiet_end=f"{(here + timedelta(hours=1)):%H:%M}"))
    notifications, fleet = suite
    mail_server.start()
    own = unit()
    clerk = clerk_of(own, "clerk-q")
    call_as(rpc, clerk, "notifications", "update_preferences", {"email": "clerk-q@unit.example"})
    fleet("approve_dispatch", request_car(fleet, clerk)["id"])  # not urgent: waits for the end of the quiet hours
    start = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(hours=3)
    fleet("record_gps_trips", {"trips": [{"trip_id": uuid.uuid4().hex, "vehicle_id": fleet.vehicle(own)["id"],
                                          "start_at": start.isoformat(),
                                          "end_at": (start + timedelta(hours=1)).isoformat(), "distance_km": "9"}]})
    [(_, subject)] = eventually(mail_server.received)
    assert subject.startswith("[机关后勤服务中心] 用车异常待说明")
    waiting = [d for d in deliveries(notifications) if d.status == "pending"]
    assert len(waiting) == 1 and waiting[0].attempts == 0
    assert waiting[0].next_attempt_at > datetime.now(timezone.utc) + timedelta(minutes=50)


def test_a_disabled_or_deleted_user_hears_no_more_mail_and_their_waiting_mail_is_withdrawn(
        suite, rpc, mail_server, tmp_path, monkeypatch):
    from sqlalchemy.orm import sessionmaker

    from gateway.auth import Accounts
    from gateway.recipients import RecipientSync
    from services.kit.db import make_engine
    from services.kit.migrate import upgrade

    monkeypatch.setattr(notification_settings, "SETTINGS",
                        dataclasses.replace(notification_settings.SETTINGS, max_attempts=1000))
    notifications, fleet = suite
    url = f"sqlite:///{tmp_path}/gateway.db"
    upgrade("gateway", url)
    accounts = Accounts(sessionmaker(make_engine(url), expire_on_commit=False))
    sync = RecipientSync(accounts, rpc)
    accounts.ended.append(sync.changed)  # as the gateway wires it
    own = unit()
    accounts.create_user("clerk-x", "县机关后勤-正确密码-1", ["unit_user"], own)
    accounts.create_user("clerk-y", "县机关后勤-正确密码-2", ["unit_user"], own)
    clerk, colleague = clerk_of(own, "clerk-x"), clerk_of(own, "clerk-y")
    call_as(rpc, clerk, "notifications", "update_preferences", {"email": "clerk-x@unit.example"})
    call_as(rpc, colleague, "notifications", "update_preferences", {"email": "clerk-y@unit.example"})

    def mails_of(username):
        return sorted((d.notification_id, d.status) for d in deliveries(notifications) if d.username == username)

    # the mail server is down: the approval's mails wait; the clerk is disabled meanwhile
    fleet("approve_dispatch", request_car(fleet, clerk)["id"])
    [(first, _)] = eventually(lambda: mails_of("clerk-x"))
    accounts.disable("clerk-x", actor="admin")
    assert eventually(lambda: mails_of("clerk-x") == [(first, "withdrawn")])
    assert mails_of("clerk-y") == [(first, "pending")]
    # a later notice of the unit reaches the colleague alone, and the server sends only theirs
    fleet("approve_dispatch", request_car(fleet, colleague)["id"])
    second = eventually(lambda: [n for n, _ in mails_of("clerk-y") if n != first])
    assert [n for n, _ in mails_of("clerk-x")] == [first]
    mail_server.start()
    assert eventually(lambda: len(mail_server.received()) == 2)
    assert mail_server.received() == [("clerk-y@unit.example", "[机关后勤服务中心] 用车申请已批准")] * 2
    # enabled again, the clerk hears again; deleted (told in the next full round), the colleague not
    accounts.enable("clerk-x", actor="admin")
    accounts.delete_user("clerk-y", actor="admin")
    eventlet.sleep(0.5)  # the single word on clerk-y may be under way; the full round below settles it
    assert sync.push() is True
    fleet("approve_dispatch", request_car(fleet, clerk)["id"])
    third = eventually(lambda: [n for n, _ in mails_of("clerk-x") if n != first])
    assert [n for n, _ in mails_of("clerk-y")] == [first, *second]
    assert eventually(lambda: ("clerk-x@unit.example", "[机关后勤服务中心] 用车申请已批准") in mail_server.received())
    assert third and len(mail_server.received()) == 3
    # only the gateway (a system caller) says who the users are
    with pytest.raises(Forbidden):
        call_as(rpc, clerk, "notifications", "sync_recipients",
                [{"username": "clerk-y", "active": True}], complete=False)
