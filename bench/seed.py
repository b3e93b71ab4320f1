"""Seeded data for every service, written straight into each service's database in bulk
(the API cannot back-date a year: a dispatch departs now, a reception is approved before its day).

    python bench/seed.py --year 2025 --scale county        # a county's year: hundreds of vehicles, thousands of records
    python bench/seed.py --year 2024 --scale test --seed 7
    python bench/seed.py --year 2025 --scale county-10y    # ten years, 2016-2025: 200,000 dispatches (about a minute)

A scale of several years seeds the years up to ``--year``. Each service's database comes from its
``<SERVICE>_DATABASE_URL`` (as ``make run`` and the services use it); migrate first (``make migrate``).
Several years may be seeded one after the other (last year beside this year); the same year seeded
twice is refused by the databases' unique keys. Rows go in through Core ``insert()`` with lists of
parameters, which SQLAlchemy sends as multi-row INSERTs (a hundred times faster than ORM objects).
``tests/integration/test_report_seeded_year.py`` seeds a ``test``-sized year and checks every report
figure against the services' own statistics; ``make bench`` (section ``county``) seeds ``county-10y``
and ``county-10y-tenth``.
"""
from __future__ import annotations

import argparse
import dataclasses
import hashlib
import random
import sys
import time as clock
from operator import itemgetter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SHANGHAI = ZoneInfo("Asia/Shanghai")
UTC = ZoneInfo("UTC")
SEEDER = "seed"
BATCH = 5000  # rows per execute; SQLAlchemy splits it into multi-row INSERTs of 1,000


@dataclass(frozen=True)
class Scale:
    """How many of each record over the whole span of ``years`` (ending with the year seeded)."""

    units: int
    vehicles: int
    dispatches: int
    fuel_fills: int
    flags: int
    buildings: int
    rooms: int
    repairs: int
    inspections: int
    receptions: int
    meetings: int
    visitors: int
    projects: int
    years: int = 1

    def fraction(self, divisor: int) -> "Scale":
        """The same span with every count divided (at least one of each)."""
        return dataclasses.replace(self, **{
            f.name: max(1, getattr(self, f.name) // divisor) for f in dataclasses.fields(self) if f.name != "years"})


# County-scale data of the performance work: ten years of a county's 500 vehicles, 300 institutions.
COUNTY_10Y = Scale(units=300, vehicles=500, dispatches=200_000, fuel_fills=60_000, flags=4_000, buildings=30,
                   rooms=3_000, repairs=50_000, inspections=5_000, receptions=6_000, meetings=7_000, visitors=30_000,
                   projects=300, years=10)
SCALES = {
    "test": Scale(units=6, vehicles=24, dispatches=300, fuel_fills=120, flags=30, buildings=2, rooms=40, repairs=150,
                  inspections=30, receptions=40, meetings=40, visitors=60, projects=4),
    "county": Scale(units=60, vehicles=320, dispatches=6000, fuel_fills=3000, flags=400, buildings=12, rooms=900,
                    repairs=2400, inspections=500, receptions=600, meetings=700, visitors=3000, projects=30),
    "county-10y": COUNTY_10Y,
    "county-10y-tenth": COUNTY_10Y.fraction(10),
}

# Dispatches of the last weeks of the span are still under way; older ones are finished.
RECENT_DAYS = 21
RECENT_STATUSES = ("requested", "approved", "assigned", "assigned", "departed", "returned", "closed", "cancelled")
PAST_STATUSES = ("closed",) * 6 + ("returned", "cancelled", "rejected")
WITH_CAR = ("assigned", "departed", "returned", "closed")
# (energy type, unit, monthly low, high, share of institutions that use it): every type the domain knows
ENERGY_USE = (("electricity", "kWh", 5000, 40000, 1.0), ("water", "m3", 100, 900, 1.0),
              ("natural_gas", "m3", 100, 3000, 0.6), ("gasoline", "kg", 50, 600, 0.25),
              ("diesel", "kg", 50, 400, 0.15), ("heat", "MJ", 2000, 30000, 0.1), ("coal", "kg", 200, 3000, 0.05))


def write(session, model, rows: list[dict], ids: bool = False) -> list[int]:
    """Inserts ``rows`` (dicts with the same keys) in batches; answers their ids in order when asked."""
    from sqlalchemy import insert

    table, out = model.__table__, []
    for start in range(0, len(rows), BATCH):
        chunk = rows[start:start + BATCH]
        if ids:
            out += session.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True), chunk).scalars()
        else:
            session.execute(insert(table), chunk)
    return out


def in_order(rows: list[dict], key: str) -> list[dict]:
    """Rows in the order they happen, as a live database stores them (ids and pages follow time)."""
    return sorted(rows, key=itemgetter(key))


class Seeder:
    def __init__(self, year: int, scale: Scale, rng: random.Random):
        self.year, self.scale, self.rng = year, scale, rng
        self.years = range(year - scale.years + 1, year + 1)
        self.first = date(self.years[0], 1, 1)
        self.days = (date(year + 1, 1, 1) - self.first).days
        self.units = [f"U{index:03d}" for index in range(1, scale.units + 1)]

    # helpers ---------------------------------------------------------------------------------
    def day(self) -> date:
        return self.first + timedelta(days=self.rng.randrange(self.days))

    def moment(self, on: date | None = None, hours=(8, 18)) -> datetime:
        on = on or self.day()
        local = datetime.combine(on, time(self.rng.randrange(*hours), self.rng.randrange(60)), SHANGHAI)
        return local.astimezone(UTC)

    def money(self, low, high) -> Decimal:
        return Decimal(self.rng.randrange(low * 100, high * 100)) / 100

    # vehicles --------------------------------------------------------------------------------
    def vehicles(self, session) -> None:
        from services.vehicles import models as m

        vendor_id, garage_id = write(session, m.Vendor, [
            {"name": f"{self.year} 县定点加油站", "kind": "fuel", "designated": True},
            {"name": f"{self.year} 县定点维修厂", "kind": "repair", "designated": True}], ids=True)
        cars = [{
            "plate": f"赣C{self.year % 100:02d}{index:04d}"[:16], "vin": f"SEED{self.year}{index:09d}"[:17],
            "make": "比亚迪", "model": "秦", "category": self.rng.choice(("sedan", "suv", "minibus")), "seats": 5,
            "fuel_type": "gasoline", "unit_code": self.rng.choice(self.units),
            "purchased_on": date(self.years[0] - 3, 6, 1), "odometer_km": Decimal(self.rng.randrange(10000, 90000)),
            "status": "available"} for index in range(self.scale.vehicles)]
        for car in cars:  # one in ten came within the span, each into a slot its unit's disposal freed (定编)
            registered = self.moment() if self.rng.random() < 0.1 else datetime(self.years[0] - 3, 6, 1, tzinfo=UTC)
            car.update(created_at=registered, updated_at=registered)
        for car, car_id in zip(cars, write(session, m.Vehicle, cars, ids=True)):
            car["id"] = car_id
        disposed = self.rng.sample(cars, max(2, len(cars) // 20))  # 拍卖, 回收 or 报废; each frees its slot (销编)
        write(session, m.Disposal, [{
            "vehicle_id": car["id"], "unit_code": car["unit_code"],
            "method": ("auction", "scrap", "auction", "take_back")[index % 4], "disposed_on": self.day(),
            "proceeds_yuan": self.money(5000, 40000), "early_reason": None, "recorded_by": SEEDER}
            for index, car in enumerate(disposed)])
        drivers = write(session, m.Driver, [
            {"name": f"司机{index}", "staff_number": f"S{self.year}{index:05d}", "licence_class": "C1",
             "licence_expires_on": date(self.year + 5, 1, 1), "status": "active"}
            for index in range(max(2, self.scale.vehicles // 2))], ids=True)
        meetings = write(session, m.SafetyMeeting, [  # the drivers' monthly safety meeting
            {"held_on": date(year, month, 5), "topic": "月度安全例会"} for year in self.years for month in range(1, 13)],
            ids=True)
        write(session, m.MeetingAttendance, [{"meeting_id": meeting_id, "driver_id": driver_id}
                                             for meeting_id in meetings for driver_id in drivers
                                             if self.rng.random() < 0.9])
        recent = datetime.combine(date(self.year + 1, 1, 1) - timedelta(days=RECENT_DAYS), time(0), SHANGHAI)
        dispatches = []
        for _ in range(self.scale.dispatches):
            car, start = self.rng.choice(cars), self.moment()
            status = self.rng.choice(RECENT_STATUSES if start >= recent else PAST_STATUSES)
            end = start + timedelta(hours=self.rng.randrange(1, 9))
            dispatch = {
                "unit_code": car["unit_code"], "purpose": "公务出行", "passengers": self.rng.randrange(1, 5),
                "origin": "县政府", "destination": self.rng.choice(("市政府", "乡镇", "开发区")), "start_at": start,
                "end_at": end, "status": status, "requested_by": SEEDER, "vehicle_id": None, "driver_id": None,
                "assigned_at": None, "departed_at": None, "odometer_start_km": None, "returned_at": None,
                "odometer_end_km": None, "distance_km": None, "tolls_yuan": None, "cost_yuan": None}
            if status in WITH_CAR:
                dispatch.update(vehicle_id=car["id"], driver_id=self.rng.choice(drivers),
                                assigned_at=start - timedelta(hours=2))
            if status in ("returned", "departed", "closed"):
                dispatch.update(departed_at=start, odometer_start_km=car["odometer_km"])
            if status in ("returned", "closed"):
                distance = Decimal(self.rng.randrange(5, 300))
                dispatch.update(returned_at=end, odometer_end_km=car["odometer_km"] + distance, distance_km=distance,
                                tolls_yuan=self.money(0, 80), cost_yuan=self.money(0, 50))
            dispatches.append(dispatch)
        write(session, m.Dispatch, in_order(dispatches, "start_at"))
        fills = []
        for _ in range(self.scale.fuel_fills):
            liters = Decimal(self.rng.randrange(2000, 6000)) / 100
            fills.append({
                "vehicle_id": self.rng.choice(cars)["id"], "vendor_id": vendor_id, "filled_at": self.moment(),
                "liters": liters, "amount_yuan": (liters * Decimal("7.8")).quantize(Decimal("0.01")),
                "odometer_km": Decimal(self.rng.randrange(10000, 90000)), "recorded_by": SEEDER})
        write(session, m.FuelTransaction, in_order(fills, "filled_at"))
        write(session, m.ServiceRecord, [{
            "vehicle_id": self.rng.choice(cars)["id"], "vendor_id": garage_id, "kind": "service",
            "serviced_on": self.day(), "odometer_km": Decimal(50000), "description": "保养",
            "cost_yuan": self.money(200, 2000), "recorded_by": SEEDER} for _ in range(self.scale.fuel_fills // 10)])
        flags = []
        for _ in range(self.scale.flags):
            car, created = self.rng.choice(cars), self.moment()
            flags.append({
                "vehicle_id": car["id"], "unit_code": car["unit_code"],
                "kind": self.rng.choice(("no_dispatch", "no_dispatch", "fuel_consumption", "odometer")),
                "status": self.rng.choice(("open", "explained", "resolved", "violation")), "detail": "seeded",
                "trip_id": None, "created_at": created, "updated_at": created})
        write(session, m.VehicleFlag, in_order(flags, "created_at"))

    # facilities ------------------------------------------------------------------------------
    def facilities(self, session) -> None:
        from services.facilities import models as m
        from services.facilities.contract import REPAIR_CATEGORIES

        buildings = write(session, m.Building, [{"name": f"{self.year} 办公楼 {index + 1}", "floors": 6}
                                               for index in range(self.scale.buildings)], ids=True)
        rooms = [{"building_id": self.rng.choice(buildings), "number": f"{index + 100}", "floor": 1 + index % 6,
                  "usable_area_m2": Decimal(self.rng.randrange(12, 40)), "type": "office",
                  "unit_code": self.rng.choice(self.units)} for index in range(self.scale.rooms)]
        for room, room_id in zip(rooms, write(session, m.Room, rooms, ids=True)):
            room["id"] = room_id
        repairs = []
        for _ in range(self.scale.repairs):
            room, reported = self.rng.choice(rooms), self.moment()
            severity = self.rng.choice(("minor", "minor", "major"))
            due = datetime.combine(reported.astimezone(SHANGHAI).date() + timedelta(days=1 if severity == "major" else 0),
                                   time(23, 59, 59), SHANGHAI)
            status = self.rng.choice(("confirmed", "confirmed", "done", "in_progress", "reported", "reopened"))
            repair = {
                "unit_code": room["unit_code"], "reporter": SEEDER, "building_id": room["building_id"],
                "room_id": room["id"], "location": f"{room['number']} 室", "category": self.rng.choice(REPAIR_CATEGORIES),
                "severity": severity, "status": status, "reported_at": reported, "due_at": due,
                "complaints": 1 if status == "reopened" else 0, "technician": None, "assigned_at": None,
                "completed_at": None, "confirmed_at": None, "rating": None}
            if status in ("done", "confirmed", "in_progress", "reopened"):
                repair.update(technician="tech", assigned_at=reported + timedelta(minutes=30))
            if status in ("done", "confirmed"):
                repair["completed_at"] = reported + timedelta(hours=self.rng.randrange(1, 40))
            if status == "confirmed":
                repair.update(confirmed_at=repair["completed_at"] + timedelta(hours=2), rating=self.rng.randrange(3, 6))
            repairs.append(repair)
        write(session, m.Repair, in_order(repairs, "reported_at"))
        inspections = []
        for _ in range(self.scale.inspections):
            room = self.rng.choice(rooms)
            inspections.append({"room_id": room["id"], "unit_code": room["unit_code"], "inspected_on": self.day(),
                                "inspector": "检查组", "recorded_area_m2": room["usable_area_m2"]})
        rectifications = []
        inspections = in_order(inspections, "inspected_on")
        for inspection, inspection_id in zip(inspections, write(session, m.Inspection, inspections, ids=True)):
            if self.rng.random() < 0.4:
                created = self.moment(inspection["inspected_on"])
                rectifications.append({
                    "inspection_id": inspection_id, "room_id": inspection["room_id"],
                    "unit_code": inspection["unit_code"], "finding": "超标使用",
                    "deadline_on": inspection["inspected_on"] + timedelta(days=30),
                    "status": self.rng.choice(("open", "done", "verified", "verified")),
                    "created_at": created, "updated_at": created})
        write(session, m.Rectification, rectifications)
        allocations = []  # 调配 (a vacant room to a unit) and 调剂 (from one unit to another)
        for index in range(max(3, self.scale.rooms // 20)):
            room, moved = self.rng.choice(rooms), index % 3 == 2
            allocations.append({
                "room_id": room["id"], "kind": "reallocation" if moved else "allocation",
                "from_unit_code": self.rng.choice(self.units) if moved else None, "to_unit_code": room["unit_code"],
                "allocated_on": self.day(), "reason": "工作需要", "allocated_by": SEEDER})
        write(session, m.Allocation, in_order(allocations, "allocated_on"))

    # reception -------------------------------------------------------------------------------
    def reception(self, session) -> None:
        from services.reception import models as m

        receptions = []
        for _ in range(self.scale.receptions):
            starts = self.day()
            receptions.append({
                "unit_code": self.rng.choice(self.units), "title": "公务接待", "official_letter": None,
                "guest_origin": "out_of_county",
                "guests": [{"unit": "市局", "name": f"来宾{index}", "title": None} for index in range(self.rng.randrange(1, 12))],
                "accompanying": [], "starts_on": starts, "ends_on": starts, "activities": [], "meals": [],
                "lodging": [], "status": self.rng.choice(("completed", "completed", "approved", "rejected", "submitted")),
                "submitted_by": SEEDER})
        receptions, lists, lunches = in_order(receptions, "starts_on"), [], {}
        for reception, reception_id in zip(receptions, write(session, m.Reception, receptions, ids=True)):
            reception["id"] = reception_id
            if reception["status"] == "completed":
                lists.append({
                    "reception_id": reception_id, "guests": reception["guests"], "accompanying": [], "support_staff": [],
                    "activities": [], "meals": [], "costs": [], "total_cost_yuan": self.money(100, 3000),
                    "differences": [], "locked_at": self.moment(reception["starts_on"]), "recorded_by": SEEDER})
            if reception["status"] in ("completed", "approved") and self.rng.random() < 0.5:
                lunches.setdefault(reception["starts_on"], []).append(reception)
        write(session, m.ReceptionListRecord, lists)
        slots = write(session, m.CanteenSlot, [{"served_on": day, "meal": "lunch", "capacity": 500} for day in lunches],
                      ids=True)
        write(session, m.CanteenReservation, [
            {"slot_id": slot_id, "batch": reception["title"], "head_count": len(reception["guests"]),
             "unit_code": reception["unit_code"], "reception_id": reception["id"], "status": "active"}
            for slot_id, batch in zip(slots, lunches.values()) for reception in batch])
        meetings = []
        for _ in range(self.scale.meetings):
            start = self.moment(hours=(8, 16))
            meetings.append({
                "title": "工作会议", "unit_code": self.rng.choice(self.units), "meeting_room_id": 1,
                "attendees": self.rng.randrange(5, 80), "start_at": start, "end_at": start + timedelta(hours=2),
                "services": [], "cars": [], "status": self.rng.choice(("scheduled", "scheduled", "scheduled", "cancelled")),
                "dispatch_ids": [], "compensation_pending": [], "checked_in": 0})
        meetings = in_order(meetings, "start_at")
        dinners = {}  # a meeting's meals in the canteen, apart from the receptions' guests
        for meeting, meeting_id in zip(meetings, write(session, m.Meeting, meetings, ids=True)):
            if meeting["status"] == "scheduled" and self.rng.random() < 0.3:
                dinners.setdefault(meeting["start_at"].astimezone(SHANGHAI).date(), []).append((meeting_id, meeting))
        slots = write(session, m.CanteenSlot, [{"served_on": day, "meal": "dinner", "capacity": 800} for day in dinners],
                      ids=True)
        write(session, m.CanteenReservation, [
            {"slot_id": slot_id, "batch": meeting["title"], "head_count": meeting["attendees"],
             "unit_code": meeting["unit_code"], "meeting_id": meeting_id, "status": "active"}
            for slot_id, batch in zip(slots, dinners.values()) for meeting_id, meeting in batch])
        visitors = []
        for index in range(self.scale.visitors):
            number = f"36{index:016d}"
            visitors.append({
                "name": f"来访{index}", "id_number_masked": number[:6] + "********" + number[-4:],
                "id_number_hash": hashlib.sha256(number.encode()).hexdigest(), "host_name": "值班", "purpose": "办事",
                "host_unit_code": self.rng.choice(self.units),
                "kind": self.rng.choice(("visitor", "visitor", "petitioner")), "party_size": self.rng.randrange(1, 4),
                "checked_in_at": self.moment(), "checked_out_at": None})
        write(session, m.Visitor, in_order(visitors, "checked_in_at"))

    # energy ----------------------------------------------------------------------------------
    def energy(self, session) -> None:
        from sqlalchemy import select

        from services.energy import models as m

        known = dict(session.execute(select(m.Institution.unit_code, m.Institution.id).where(
            m.Institution.unit_code.in_(self.units))).all())
        new = [unit for unit in self.units if unit not in known]
        known.update(zip(new, write(session, m.Institution, [{
            "unit_code": unit, "name": f"单位 {unit}", "headcount": self.rng.randrange(20, 200),
            "floor_area_m2": Decimal(self.rng.randrange(800, 8000)), "area_source": "manual"} for unit in new], ids=True)))
        readings, waste, assessments = [], [], []
        for unit in self.units:
            uses = [use for use in ENERGY_USE if self.rng.random() < use[4]]
            for year in self.years:
                for month in range(1, 13):
                    period = f"{year}-{month:02d}"
                    readings += [{
                        "institution_id": known[unit], "unit_code": unit, "period": period, "energy_type": energy_type,
                        "quantity": Decimal(self.rng.randrange(low, high)), "unit": base_unit, "source": "api",
                        "recorded_by": SEEDER} for energy_type, base_unit, low, high, _ in uses]
                    waste += [{"institution_id": known[unit], "unit_code": unit, "period": period, "category": category,
                               "weight_kg": self.money(10, 400)} for category in ("recyclable", "kitchen", "other")]
                passed = self.rng.random() < 0.8
                assessments.append({
                    "institution_id": known[unit], "unit_code": unit, "year": year, "kind": "self_assessment",
                    "scores": {}, "total_score": 90 if passed else 60, "must_pass_met": True, "passed": passed,
                    "assessed_on": date(year, 12, 1), "assessed_by": SEEDER})
        write(session, m.Reading, in_order(readings, "period"))
        write(session, m.WasteRecord, in_order(waste, "period"))
        write(session, m.Assessment, assessments)
        projects = []
        for index in range(self.scale.projects):
            unit = self.rng.choice(self.units)
            projects.append({
                "institution_id": known[unit], "unit_code": unit, "name": f"节能改造 {index + 1}",
                "kind": self.rng.choice(("led_lighting", "hvac", "insulation")), "energy_type": "electricity",
                "investment_yuan": self.money(10000, 500000), "expected_saving_rate": Decimal("0.15"),
                "unit_price_yuan": Decimal("0.65"), "completed_on": self.day()})
        write(session, m.Project, projects)
        write(session, m.Audit, [{  # 能源审计: about one institution in ten each year
            "institution_id": known[unit], "unit_code": unit, "audited_on": date(year, self.rng.randrange(3, 12), 15),
            "auditor": "县节能监察中心"} for year in self.years for unit in self.units[year % 10::10]])
        designated = set(session.scalars(select(m.DemonstrationSite.unit_code)))
        write(session, m.DemonstrationSite, [
            {"institution_id": known[unit], "unit_code": unit, "level": "county", "designated_on": date(self.year, 6, 1)}
            for unit in self.units[::10] if unit not in designated])
        self.campaigns(session, m, assessments)

    def campaigns(self, session, m, assessments: list[dict]) -> None:
        """Each year's four campaigns: 节约型机关 with every unit (its result as the year's
        assessment), the others with a part of them; health activities; no-smoking findings."""
        from sqlalchemy import select

        from services.energy.contract import DEFAULT_CRITERIA, DEFAULT_PASS_SCORES

        passed_in = {(row["unit_code"], row["year"]): row["passed"] for row in assessments}
        for year in self.years:
            for kind, share in (("frugal_institution", 1.0), ("health_promotion", 0.3), ("smoke_free", 0.3),
                                ("waste_sorting_site", 0.1)):
                criteria = [dict(item) for item in DEFAULT_CRITERIA[kind]]
                campaign_id = write(session, m.Campaign, [{
                    "kind": kind, "name": f"{year}年{kind}", "years": [year], "first_year": year, "last_year": year,
                    "criteria": criteria, "pass_score": DEFAULT_PASS_SCORES[kind]}], ids=True)[0]
                units = [unit for unit in self.units if share == 1.0 or self.rng.random() < share] or self.units[:1]
                write(session, m.CampaignUnit, [{"campaign_id": campaign_id, "unit_code": unit} for unit in units])
                write(session, m.CampaignApplication, [{
                    "campaign_id": campaign_id, "unit_code": unit, "statement": None, "applied_on": date(year, 3, 1),
                    "applied_by": SEEDER} for unit in units])
                evaluations = []
                for unit in units:
                    passed = passed_in.get((unit, year), self.rng.random() < 0.8)
                    full = {item["code"]: item["max_score"] for item in criteria}
                    scores = full if passed else {code: points // 2 for code, points in full.items()}
                    total = sum(scores.values())
                    for kind_of, on in (("self_assessment", date(year, 10, 1)), ("spot_check", date(year, 11, 15))):
                        if kind_of == "spot_check" and self.rng.random() > 0.2:
                            continue
                        evaluations.append({
                            "campaign_id": campaign_id, "unit_code": unit, "kind": kind_of, "scores": scores,
                            "total_score": total, "must_pass_met": passed, "passed": passed, "assessed_on": on,
                            "assessed_by": SEEDER, "remarks": None, "legacy_assessment_id": None})
                write(session, m.CampaignEvaluation, evaluations)
            write(session, m.HealthActivity, [{
                "unit_code": unit, "kind": self.rng.choice(("exercise_break", "walking", "ball_game", "talk")),
                "title": "健康活动", "held_on": date(year, self.rng.randrange(1, 13), 10),
                "participants": self.rng.randrange(10, 80), "campaign_id": None}
                for unit in self.units for _ in range(2)])
            known = set(session.scalars(select(m.SmokingFinding.finding_id)))
            findings = [{
                "finding_id": year * 100_000 + index, "unit_code": self.rng.choice(self.units), "place": "楼梯间",
                "found_at": self.moment(date(year, self.rng.randrange(1, 13), 12), hours=(9, 17)), "year": year}
                for index in range(max(2, len(self.units) // 5))]
            write(session, m.SmokingFinding, [row for row in findings if row["finding_id"] not in known])


def seed(sessions: dict, year: int, scale: str = "test", seed_value: int = 2025, analyze: bool = False
         ) -> dict[str, float]:
    """Seeds the scale's years up to ``year`` into the sessions given (service name → SQLAlchemy
    session); commits each. Answers the seconds each service took. ``analyze``: PostgreSQL's
    planner statistics are brought up to date afterwards, as autovacuum would do in a while."""
    from sqlalchemy import text

    seeder = Seeder(year, SCALES[scale], random.Random(seed_value))
    took = {}
    for name, session in sessions.items():
        started = clock.perf_counter()
        getattr(seeder, name)(session)
        session.commit()
        if analyze and session.get_bind().dialect.name == "postgresql":
            session.execute(text("ANALYZE"))
            session.commit()
        took[name] = clock.perf_counter() - started
    return took


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--year", type=int, required=True, help="the (last) year seeded")
    parser.add_argument("--scale", choices=sorted(SCALES), default="county")
    parser.add_argument("--seed", type=int, default=2025, help="random seed (the same seed, the same data)")
    parser.add_argument("--services", default="vehicles,facilities,reception,energy")
    args = parser.parse_args(argv)
    from sqlalchemy.orm import Session

    from services.kit.config import database_url
    from services.kit.db import make_engine

    sessions = {name: Session(make_engine(database_url(name))) for name in args.services.split(",")}
    took = seed(sessions, args.year, args.scale, args.seed, analyze=True)
    years = SCALES[args.scale].years
    span = f"{args.year - years + 1}-{args.year}" if years > 1 else str(args.year)
    print(f"seeded {span} at scale {args.scale} in {sum(took.values()):.1f} s ("
          + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in took.items()) + ")")


if __name__ == "__main__":
    main()
