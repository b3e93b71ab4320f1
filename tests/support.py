"""What the test tiers share: the real broker and databases, fresh for each test.

``make test`` uses a real RabbitMQ and PostgreSQL where they answer and says which it
used; under ``CI=true`` both are required. Without them the integration tier runs on
kombu's in-memory transport and SQLite files.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import uuid
from contextlib import closing
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import requests

DEFAULT_AMQP = "amqp://guest:guest@127.0.0.1:5672/"
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
MANAGEMENT_API = "http://guest:guest@127.0.0.1:15672"


def port_open(host: str, port: int, timeout: float = 1.0) -> bool:
    try:
        with closing(socket.create_connection((host, port), timeout=timeout)):
            return True
    except OSError:
        return False


def free_port() -> int:
    with closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Backends:
    amqp_uri: str  # with the test vhost, or memory://
    postgres_url: str | None  # admin URL of a reachable server, or None for SQLite
    vhost: str | None = None
    vhost_via: str | None = None
    extra_vhosts: list = None

    def separate_broker(self) -> str:
        """An AMQP URI of a vhost of its own (the broker's queues are not shared)."""
        if not self.real_broker or self.vhost_via is None:
            return self.amqp_uri
        name = f"{self.vhost}-{uuid.uuid4().hex[:6]}"
        create_vhost(name)
        self.extra_vhosts = (self.extra_vhosts or []) + [name]
        parts = urlsplit(self.amqp_uri)
        return urlunsplit((parts.scheme, parts.netloc, "/" + name, "", ""))

    @property
    def real_broker(self) -> bool:
        return not self.amqp_uri.startswith("memory")

    def describe(self) -> str:
        broker = (
            f"RabbitMQ at {urlsplit(self.amqp_uri).hostname}:{urlsplit(self.amqp_uri).port} (vhost {self.vhost})"
            if self.real_broker else "kombu's in-memory transport (no RabbitMQ reachable)"
        )
        database = (
            f"PostgreSQL at {urlsplit(self.postgres_url).hostname}:{urlsplit(self.postgres_url).port}"
            if self.postgres_url else "SQLite files (no PostgreSQL reachable)"
        )
        return f"backends: {broker}; {database}"


def _postgres_reachable(url: str) -> bool:
    import psycopg

    try:
        with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), connect_timeout=2):
            return True
    except Exception:
        return False


def create_vhost(name: str, api: str = MANAGEMENT_API, auth=None, user: str = "guest") -> str | None:
    """Makes an isolated vhost (through the management ``api``, else rabbitmqctl) and lets
    ``user`` use it; returns how, or None when neither way is available. The benches make theirs
    here too."""
    try:
        response = requests.put(f"{api}/api/vhosts/{name}", auth=auth, timeout=2)
        if response.ok:
            requests.put(f"{api}/api/permissions/{name}/{user}", auth=auth,
                         json={"configure": ".*", "write": ".*", "read": ".*"}, timeout=2).raise_for_status()
            return "management"
    except requests.RequestException:
        pass
    if shutil.which("rabbitmqctl"):
        subprocess.run(["rabbitmqctl", "-q", "add_vhost", name], check=True, capture_output=True, timeout=60)
        subprocess.run(["rabbitmqctl", "-q", "set_permissions", "-p", name, user, ".*", ".*", ".*"],
                       check=True, capture_output=True, timeout=60)
        return "rabbitmqctl"
    return None


def remove_vhost(name: str, via: str | None, api: str = MANAGEMENT_API, auth=None) -> None:
    """Removes a vhost made by ``create_vhost`` the way it was made."""
    if via == "management":
        requests.delete(f"{api}/api/vhosts/{name}", auth=auth, timeout=30)
    elif via == "rabbitmqctl":
        subprocess.run(["rabbitmqctl", "-q", "delete_vhost", name], capture_output=True, timeout=60)


def delete_vhost(backends: Backends) -> None:
    for vhost in [backends.vhost, *(backends.extra_vhosts or [])]:
        remove_vhost(vhost, backends.vhost_via)


def detect_backends() -> Backends:
    amqp = os.environ.get("TEST_AMQP_URI", DEFAULT_AMQP)
    parts = urlsplit(amqp)
    postgres = os.environ.get("TEST_POSTGRES_URL", DEFAULT_POSTGRES)
    pg_ok = _postgres_reachable(postgres)
    if not port_open(parts.hostname, parts.port or 5672):
        return Backends("memory://", postgres if pg_ok else None)
    vhost = f"test-{uuid.uuid4().hex[:10]}"
    via = create_vhost(vhost)
    if via is None:  # no way to isolate: share the default vhost
        vhost = "/"
        uri = amqp
    else:
        uri = urlunsplit((parts.scheme, parts.netloc, "/" + vhost, "", ""))
    return Backends(uri, postgres if pg_ok else None, vhost, via)


class Databases:
    """Fresh databases, migrated to head, dropped afterwards."""

    def __init__(self, backends: Backends, tmp_dir):
        self.backends = backends
        self.tmp_dir = tmp_dir
        self.created: list[str] = []

    def _admin(self):
        import psycopg

        return psycopg.connect(self.backends.postgres_url, autocommit=True, connect_timeout=5)

    def new_url(self, owner: str) -> str:
        """An empty database's URL (not migrated)."""
        if self.backends.postgres_url is None:
            return f"sqlite:///{self.tmp_dir}/{owner}-{uuid.uuid4().hex[:8]}.db"
        name = f"t_{owner}_{uuid.uuid4().hex[:10]}"
        with self._admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        self.created.append(name)
        parts = urlsplit(self.backends.postgres_url)
        return urlunsplit(("postgresql+psycopg", parts.netloc, "/" + name, "", ""))

    def migrated_url(self, owner: str) -> str:
        from services.kit.migrate import upgrade

        url = self.new_url(owner)
        upgrade(owner, url)
        return url

    def drop_all(self) -> None:
        if not self.created:
            return
        with self._admin() as conn:
            for name in self.created:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.created.clear()


def eventually(check, timeout: float = 15.0, interval: float = 0.1):
    """Polls ``check`` until it returns something truthy; returns that value."""
    import time

    import eventlet

    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not true within {timeout} s: last value {value!r}")
        eventlet.sleep(interval)


def admin_caller():
    """The basic profile's one admin: the three administrators' roles."""
    from services.kit.context import ADMIN_ROLES, Caller

    return Caller("test-admin", ADMIN_ROLES)


def call_as(rpc, caller, service, method, *args, **kwargs):
    return rpc.call(service, method, *args, context={"request_id": "it-req", "caller": caller.to_wire()}, **kwargs)


def database_of(container):
    """The ``Database`` dependency of a running container."""
    from services.kit.db import Database

    return next(dep for dep in container.dependencies if isinstance(dep, Database))


# Where each figure of the annual report must come from: statistics RPC (and route) → figure →
# field of its answer. Written out apart from ``gateway/report/``, so that a figure read from
# the wrong field, or one missing, fails the tests that compare the report with the services.
REPORT_FIGURE_SOURCES = {
    "vehicles.vehicle_stats": {
        "dispatches": "totals.dispatches", "distance_km": "totals.distance_km", "fuel_liters": "totals.fuel_liters",
        "fuel_yuan": "totals.fuel_yuan", "cost_yuan": "totals.cost_yuan", "flags_raised": "flags.raised",
        "flags_no_dispatch": "flags.by_kind.no_dispatch", "flags_violations": "flags.violations",
        "flags_open": "flags.open", "vehicles_disposed": "renewal.disposed",
        "vehicles_auctioned": "renewal.by_method.auction", "vehicles_registered": "renewal.registered",
        "safety_meetings": "safety_meetings.held", "safety_meeting_months": "safety_meetings.months_with_meeting",
        "safety_attendances": "safety_meetings.attendances"},
    "facilities.repair_stats": {
        "repairs": "total.count", "repairs_completed": "total.completed", "repair_completion_rate": "total.completion_rate",
        "repair_on_time_rate": "total.on_time_rate", "repair_mean_hours": "total.mean_hours_to_repair",
        "repair_complaints": "total.complaints", "repair_mean_rating": "total.mean_rating"},
    "facilities.inspection_stats": {key: key for key in (
        "inspections", "rectifications", "rectifications_done", "rectification_rate", "rectifications_overdue",
        "units_inspected", "allocations", "reallocations")},
    "reception.reception_stats": {
        "reception_batches": "receptions.batches", "reception_guests": "receptions.guests",
        "reception_cost_yuan": "receptions.cost_yuan", "receptions_in_canteen": "canteen.receptions_in_canteen",
        "canteen_reception_share": "canteen.reception_share", "canteen_persons": "canteen.persons",
        "meetings": "meetings.meetings", "meeting_attendees": "meetings.attendees",
        "visitor_batches": "visitors.batches", "visitor_persons": "visitors.persons",
        "canteen_reception_persons": "canteen.reception_persons", "canteen_meeting_persons": "canteen.meeting_persons"},
    "energy.indicators": {key: key for key in (
        "total_tce", "per_person_kgce", "per_area_kgce_m2", "water_per_person_m3")},
    "energy.waste_summary": {"waste_total_kg": "total_kg", "waste_recyclable_share": "recyclable_share",
                             "demonstration_sites": "demonstration_site_count"},
    "energy.audit_summary": {"energy_audits": "audits", "units_audited": "units_audited"},
    "energy.project_summary": {"retrofits": "completed", "retrofit_investment_yuan": "investment_yuan",
                               "retrofit_measured_saving_rate": "mean_measured_saving_rate"},
    "energy.assessment_summary": {"assessed": "assessed", "assessment_passed": "passed",
                                  "assessment_pass_share": "pass_share"},
    "energy.campaign_summary": {
        **{f"{name}_{figure}": f"by_kind.{kind}.{figure}" for name, kind in (
            ("frugal", "frugal_institution"), ("health_promotion", "health_promotion"), ("smoke_free", "smoke_free"),
            ("waste_site", "waste_sorting_site")) for figure in ("participants", "passed")},
        "health_activities": "health_activities", "health_participants": "health_participants",
        "smoking_findings": "smoking_findings"},
    # facilities' equipment upkeep, patrols and training (their RPCs' fields: docs/report.md)
    "facilities.equipment_stats": {
        "equipment": "equipment", "maintenance_due": "orders_due", "maintenance_on_time": "orders_done_on_time",
        "maintenance_on_time_rate": "on_time_rate", "maintenance_plans_overdue": "plans_overdue",
        "certificates": "certificates", "certificates_valid": "certificates_valid", "equipment_purchases": "purchases",
        "equipment_purchase_yuan": "purchases_cost_yuan"},
    "facilities.patrol_stats": {
        "patrols_scheduled": "patrols_scheduled", "patrols_done": "patrols_done",
        "patrol_on_schedule_rate": "on_schedule_rate", "patrols_missed": "patrols_missed", "patrol_findings": "findings",
        "patrol_findings_closed": "findings_closed"},
    "facilities.training_stats": {"training_sessions": "sessions", "training_hours": "hours",
                                  "training_attendances": "attendances"},
}


UPKEEP_RPCS = ("equipment_stats", "patrol_stats", "training_stats")


def pending_report_sections() -> tuple[str, ...]:
    """The report's sections whose facilities RPCs this tree does not have yet (equipment upkeep,
    patrols and training): the report answers them unavailable."""
    from services.facilities.service import FacilitiesService

    return () if all(hasattr(FacilitiesService, name) for name in UPKEEP_RPCS) else ("upkeep", "security")


def report_complete(answer: dict) -> bool:
    """Every section of the report answered, but those ``pending_report_sections`` names."""
    pending = pending_report_sections()
    return all(s["status"] == "ok" for s in answer["sections"] if s["name"] not in pending)


def expected_report_figures(answers: dict) -> dict:
    """Each report figure's value as the services answered it (``answers``: RPC name → answer)."""
    expected = {}
    for source, figures in REPORT_FIGURE_SOURCES.items():
        if source not in answers:  # a section the caller's services do not offer (see the test)
            continue
        for key, path in figures.items():
            value = answers[source]
            for part in path.split("."):
                value = value.get(part) if isinstance(value, dict) else None
            expected[key] = value
    return expected


def reception_took_place(session, reception_id: int, days_ago: int) -> None:
    """Time passes: an approved reception is moved to have begun ``days_ago`` days ago, its planned
    meals with it, so that its list (made after the event) can be completed now."""
    from datetime import date, datetime, timedelta, timezone

    from services.reception.domain import local_day
    from services.reception.models import Reception

    reception = session.get(Reception, reception_id)
    shift = reception.starts_on - (local_day(datetime.now(timezone.utc)) - timedelta(days=days_ago))
    reception.starts_on, reception.ends_on = reception.starts_on - shift, reception.ends_on - shift
    reception.meals = [{**meal, "served_on": (date.fromisoformat(meal["served_on"]) - shift).isoformat()}
                       for meal in reception.meals]
