"""A year of seeded data for every service, written straight into each service's database
through its models (the API cannot back-date a year: a dispatch departs now, a reception is
approved before its day).

    python bench/seed.py --year 2025 --scale county       # hundreds of vehicles, thousands of records
    python bench/seed.py --year 2024 --scale test --seed 7

Each service's database comes from its ``<SERVICE>_DATABASE_URL`` (as ``make run`` and the
services use it); migrate first (``make migrate``). Several years may be seeded one after the other
(last year beside this year); the same year seeded twice is refused by the databases' unique keys. ``tests/integration/test_report_seeded_year.py`` seeds a
``test``-sized year and checks every report figure against the services' own statistics.
"""
from __future__ import annotations

import argparse
import hashlib
import random
import sys
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SHANGHAI = ZoneInfo("Asia/Shanghai")
SEEDER = "seed"


@dataclass(frozen=True)
class Scale:
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


SCALES = {
    "test": Scale(units=6, vehicles=24, dispatches=300, fuel_fills=120, flags=30, buildings=2, rooms=40, repairs=150,
                  inspections=30, receptions=40, meetings=40, visitors=60, projects=4),
    "county": Scale(units=60, vehicles=320, dispatches=6000, fuel_fills=3000, flags=400, buildings=12, rooms=900,
                    repairs=2400, inspections=500, receptions=600, meetings=700, visitors=3000, projects=30),
}


class Seeder:
    def __init__(self, year: int, scale: Scale, rng: random.Random):
        self.year, self.scale, self.rng = year, scale, rng
        self.units = [f"U{index:03d}" for index in range(1, scale.units + 1)]

    # helpers ---------------------------------------------------------------------------------
    def day(self) -> date:
        return date(self.year, 1, 1) + timedelta(days=self.rng.randrange(365))

    def moment(self, on: date | None = None, hours=(8, 18)) -> datetime:
        on = on or self.day()
        local = datetime.combine(on, time(self.rng.randrange(*hours), self.rng.randrange(60)), SHANGHAI)
        return local.astimezone(ZoneInfo("UTC"))

    def money(self, low, high) -> Decimal:
        return Decimal(self.rng.randrange(low * 100, high * 100)) / 100

    # vehicles --------------------------------------------------------------------------------
    def vehicles(self, session) -> None:
        from services.vehicles import models as m

        vendor = m.Vendor(name=f"{self.year} 县定点加油站", kind="fuel", designated=True)
        garage = m.Vendor(name=f"{self.year} 县定点维修厂", kind="repair", designated=True)
        session.add_all([vendor, garage])
        cars = []
        for index in range(self.scale.vehicles):
            cars.append(m.Vehicle(
                plate=f"赣C{self.year % 100:02d}{index:04d}"[:16], vin=f"SEED{self.year}{index:09d}"[:17], make="比亚迪",
                model="秦", category=self.rng.choice(("sedan", "suv", "minibus")), seats=5,
                fuel_type="gasoline", unit_code=self.rng.choice(self.units), purchased_on=date(self.year - 3, 6, 1),
                odometer_km=Decimal(self.rng.randrange(10000, 90000)), status="available"))
        drivers = [m.Driver(name=f"司机{index}", staff_number=f"S{self.year}{index:05d}", licence_class="C1",
                            licence_expires_on=date(self.year + 5, 1, 1), status="active")
                   for index in range(max(2, self.scale.vehicles // 2))]
        session.add_all(cars + drivers)
        session.flush()
        statuses = ("closed",) * 6 + ("returned", "departed", "cancelled", "rejected")
        for _ in range(self.scale.dispatches):
            car, start = self.rng.choice(cars), self.moment()
            status = self.rng.choice(statuses)
            dispatch = m.Dispatch(
                unit_code=car.unit_code, purpose="公务出行", passengers=self.rng.randrange(1, 5), origin="县政府",
                destination=self.rng.choice(("市政府", "乡镇", "开发区")), start_at=start,
                end_at=start + timedelta(hours=self.rng.randrange(1, 9)), status=status, requested_by=SEEDER)
            if status in ("returned", "departed", "closed"):
                dispatch.vehicle_id, dispatch.driver_id = car.id, self.rng.choice(drivers).id
                dispatch.departed_at = start
                dispatch.odometer_start_km = car.odometer_km
            if status in ("returned", "closed"):
                distance = Decimal(self.rng.randrange(5, 300))
                dispatch.returned_at = dispatch.end_at
                dispatch.odometer_end_km = car.odometer_km + distance
                dispatch.distance_km = distance
                dispatch.tolls_yuan = self.money(0, 80)
                dispatch.cost_yuan = self.money(0, 50)
            session.add(dispatch)
        for _ in range(self.scale.fuel_fills):
            liters = Decimal(self.rng.randrange(2000, 6000)) / 100
            session.add(m.FuelTransaction(
                vehicle_id=self.rng.choice(cars).id, vendor_id=vendor.id, filled_at=self.moment(), liters=liters,
                amount_yuan=(liters * Decimal("7.8")).quantize(Decimal("0.01")),
                odometer_km=Decimal(self.rng.randrange(10000, 90000)), recorded_by=SEEDER))
        for _ in range(self.scale.fuel_fills // 10):
            session.add(m.ServiceRecord(
                vehicle_id=self.rng.choice(cars).id, vendor_id=garage.id, kind="service", serviced_on=self.day(),
                odometer_km=Decimal(50000), description="保养", cost_yuan=self.money(200, 2000), recorded_by=SEEDER))
        for _ in range(self.scale.flags):
            car = self.rng.choice(cars)
            flag = m.VehicleFlag(vehicle_id=car.id, unit_code=car.unit_code,
                                 kind=self.rng.choice(("no_dispatch", "no_dispatch", "fuel_consumption", "odometer")),
                                 status=self.rng.choice(("open", "explained", "resolved", "violation")),
                                 detail="seeded", trip_id=None)
            flag.created_at = flag.updated_at = self.moment()
            session.add(flag)

    # facilities ------------------------------------------------------------------------------
    def facilities(self, session) -> None:
        from services.facilities import models as m

        buildings = [m.Building(name=f"{self.year} 办公楼 {index + 1}", floors=6) for index in range(self.scale.buildings)]
        session.add_all(buildings)
        session.flush()
        rooms = [m.Room(building_id=self.rng.choice(buildings).id, number=f"{index + 100}", floor=1 + index % 6,
                        usable_area_m2=Decimal(self.rng.randrange(12, 40)), type="office",
                        unit_code=self.rng.choice(self.units))
                 for index in range(self.scale.rooms)]
        session.add_all(rooms)
        session.flush()
        for _ in range(self.scale.repairs):
            room, reported = self.rng.choice(rooms), self.moment()
            severity = self.rng.choice(("minor", "minor", "major"))
            due = datetime.combine(reported.astimezone(SHANGHAI).date() + timedelta(days=1 if severity == "major" else 0),
                                   time(23, 59, 59), SHANGHAI)
            status = self.rng.choice(("confirmed", "confirmed", "done", "in_progress", "reported", "reopened"))
            repair = m.Repair(
                unit_code=room.unit_code, reporter=SEEDER, building_id=room.building_id, room_id=room.id,
                location=f"{room.number} 室", category=self.rng.choice(("water", "electricity", "hvac", "civil", "other")),
                severity=severity, status=status, reported_at=reported, due_at=due,
                complaints=1 if status == "reopened" else 0)
            if status in ("done", "confirmed", "in_progress", "reopened"):
                repair.technician, repair.assigned_at = "tech", reported + timedelta(minutes=30)
            if status in ("done", "confirmed"):
                repair.completed_at = reported + timedelta(hours=self.rng.randrange(1, 40))
            if status == "confirmed":
                repair.confirmed_at, repair.rating = repair.completed_at + timedelta(hours=2), self.rng.randrange(3, 6)
            session.add(repair)
        for _ in range(self.scale.inspections):
            room = self.rng.choice(rooms)
            inspection = m.Inspection(room_id=room.id, unit_code=room.unit_code, inspected_on=self.day(),
                                      inspector="检查组", recorded_area_m2=room.usable_area_m2)
            session.add(inspection)
            session.flush()
            if self.rng.random() < 0.4:
                created = self.moment(inspection.inspected_on)
                rectification = m.Rectification(
                    inspection_id=inspection.id, room_id=room.id, unit_code=room.unit_code, finding="超标使用",
                    deadline_on=inspection.inspected_on + timedelta(days=30),
                    status=self.rng.choice(("open", "done", "verified", "verified")))
                rectification.created_at = rectification.updated_at = created
                session.add(rectification)

    # reception -------------------------------------------------------------------------------
    def reception(self, session) -> None:
        from services.reception import models as m

        slots = {}
        for _ in range(self.scale.receptions):
            starts = self.day()
            guests = [{"unit": "市局", "name": f"来宾{index}", "title": None} for index in range(self.rng.randrange(1, 12))]
            status = self.rng.choice(("completed", "completed", "approved", "rejected", "submitted"))
            reception = m.Reception(
                unit_code=self.rng.choice(self.units), title="公务接待", official_letter=None, guest_origin="out_of_county",
                guests=guests, accompanying=[], starts_on=starts, ends_on=starts, activities=[], meals=[], lodging=[],
                status=status, submitted_by=SEEDER)
            session.add(reception)
            session.flush()
            if status == "completed":
                session.add(m.ReceptionListRecord(
                    reception_id=reception.id, guests=guests, accompanying=[], support_staff=[], activities=[], meals=[],
                    costs=[], total_cost_yuan=self.money(100, 3000), differences=[], locked_at=self.moment(starts),
                    recorded_by=SEEDER))
            if status in ("completed", "approved") and self.rng.random() < 0.5:
                slot = slots.get(starts)
                if slot is None:
                    slot = slots[starts] = m.CanteenSlot(served_on=starts, meal="lunch", capacity=500)
                    session.add(slot)
                    session.flush()
                session.add(m.CanteenReservation(slot_id=slot.id, batch=reception.title, head_count=len(guests),
                                                 unit_code=reception.unit_code, reception_id=reception.id, status="active"))
        for _ in range(self.scale.meetings):
            start = self.moment(hours=(8, 16))
            session.add(m.Meeting(
                title="工作会议", unit_code=self.rng.choice(self.units), meeting_room_id=1,
                attendees=self.rng.randrange(5, 80), start_at=start, end_at=start + timedelta(hours=2), services=[],
                cars=[], status=self.rng.choice(("scheduled", "scheduled", "scheduled", "cancelled")), dispatch_ids=[],
                compensation_pending=[], checked_in=0))
        for index in range(self.scale.visitors):
            number = f"36{index:016d}"
            session.add(m.Visitor(
                name=f"来访{index}", id_number_masked=number[:6] + "********" + number[-4:],
                id_number_hash=hashlib.sha256(number.encode()).hexdigest(), host_name="值班", purpose="办事",
                host_unit_code=self.rng.choice(self.units), kind=self.rng.choice(("visitor", "visitor", "petitioner")),
                party_size=self.rng.randrange(1, 4), checked_in_at=self.moment(), checked_out_at=None))

    # energy ----------------------------------------------------------------------------------
    def energy(self, session) -> None:
        from services.energy import models as m

        from sqlalchemy import select

        known = {i.unit_code: i for i in session.scalars(select(m.Institution).where(m.Institution.unit_code.in_(self.units)))}
        institutions = [known.get(unit) or m.Institution(
            unit_code=unit, name=f"单位 {unit}", headcount=self.rng.randrange(20, 200),
            floor_area_m2=Decimal(self.rng.randrange(800, 8000)), area_source="manual") for unit in self.units]
        session.add_all(institutions)
        session.flush()
        for institution in institutions:
            for month in range(1, 13):
                period = f"{self.year}-{month:02d}"
                for energy_type, unit, low, high in (("electricity", "kWh", 5000, 40000),
                                                     ("natural_gas", "m3", 100, 3000), ("water", "m3", 100, 900)):
                    session.add(m.Reading(
                        institution_id=institution.id, unit_code=institution.unit_code, period=period,
                        energy_type=energy_type, quantity=Decimal(self.rng.randrange(low, high)), unit=unit,
                        source="api", recorded_by=SEEDER))
                for category in ("recyclable", "kitchen", "other"):
                    session.add(m.WasteRecord(institution_id=institution.id, unit_code=institution.unit_code, period=period,
                                              category=category, weight_kg=self.money(10, 400)))
            passed = self.rng.random() < 0.8
            session.add(m.Assessment(
                institution_id=institution.id, unit_code=institution.unit_code, year=self.year, kind="self_assessment",
                scores={}, total_score=90 if passed else 60, must_pass_met=True, passed=passed,
                assessed_on=date(self.year, 12, 1), assessed_by=SEEDER))
        for index in range(self.scale.projects):
            institution = self.rng.choice(institutions)
            session.add(m.Project(
                institution_id=institution.id, unit_code=institution.unit_code, name=f"节能改造 {index + 1}",
                kind=self.rng.choice(("led_lighting", "hvac", "insulation")), energy_type="electricity",
                investment_yuan=self.money(10000, 500000), expected_saving_rate=Decimal("0.15"),
                unit_price_yuan=Decimal("0.65"), completed_on=self.day()))


def seed(sessions: dict, year: int, scale: str = "test", seed_value: int = 2025) -> None:
    """Seeds ``year`` into the sessions given (service name → SQLAlchemy session); commits each."""
    seeder = Seeder(year, SCALES[scale], random.Random(seed_value))
    for name, session in sessions.items():
        getattr(seeder, name)(session)
        session.commit()


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--year", type=int, required=True)
    parser.add_argument("--scale", choices=sorted(SCALES), default="county")
    parser.add_argument("--seed", type=int, default=2025, help="random seed (the same seed, the same data)")
    parser.add_argument("--services", default="vehicles,facilities,reception,energy")
    args = parser.parse_args(argv)
    from sqlalchemy.orm import Session

    from services.kit.config import database_url
    from services.kit.db import make_engine

    sessions = {name: Session(make_engine(database_url(name))) for name in args.services.split(",")}
    seed(sessions, args.year, args.scale, args.seed)
    print(f"seeded {args.year} at scale {args.scale} into {', '.join(sessions)}")


if __name__ == "__main__":
    main()
