"""RPC of the figures: statistics for a year or a date range, by vehicle and by unit, and
the annual vehicle report (配备更新和使用情况统计报告) as JSON and as an .xlsx workbook."""
from __future__ import annotations

import base64
import io
from collections import Counter, defaultdict
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from services.kit.entrypoints import rpc
from services.kit.errors import Invalid
from services.kit.schemas import load
from services.kit.sheets import append_row
from services.vehicles import contract, repository
from services.vehicles.contract import STAFF
from services.vehicles.base import VehiclesBase
from services.vehicles.models import (
    Disposal, MeetingAttendance, Quota, SafetyMeeting, StatusChange, Vehicle, VehicleFlag,
)

# Dispatches that went out count as 调度车次; their mileage once they are back.
DRIVEN = ("departed", "returned", "closed")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _zero() -> dict:
    return {"dispatches": 0, "distance_km": Decimal(0), "fuel_liters": Decimal(0), "fuel_kwh": Decimal(0),
            "fuel_yuan": Decimal(0), "dispatch_cost_yuan": Decimal(0), "service_yuan": Decimal(0)}


def _finish(figures: dict) -> dict:
    figures["cost_yuan"] = figures["fuel_yuan"] + figures["dispatch_cost_yuan"] + figures["service_yuan"]
    distance = figures["distance_km"]
    figures["l_per_100km"] = (figures["fuel_liters"] * 100 / distance).quantize(Decimal("0.01")) if distance else None
    return figures


def period_of(q: dict) -> tuple[date, date]:
    if q.get("year"):
        if q.get("from_") or q.get("to"):
            raise Invalid("give a year or a date range, not both", {"year": ["not with from/to"]})
        return date(q["year"], 1, 1), date(q["year"], 12, 31)
    if not (q.get("from_") and q.get("to")):
        raise Invalid("give a year or a date range", {"year": ["year, or from and to, required"]})
    if q["to"] < q["from_"]:
        raise Invalid("the range ends before it starts", {"to": ["must not be before from"]})
    return q["from_"], q["to"]


class ReportsRpc(VehiclesBase):
    @rpc(reads_only=True)
    def vehicle_stats(self, query):
        caller = self.call.caller
        caller.require(*STAFF, "unit_user")
        q = load(contract.StatsQuery(), query or {})
        first, last = period_of(q)
        return contract.Stats().dump(self._stats(first, last, caller.unit_filter(q.get("unit_code")), q["by_vehicle"]))

    def _stats(self, first: date, last: date, unit_code: str | None = None, with_vehicles: bool = True) -> dict:
        session = self.db.session
        start, end = repository.day_bounds(first, last)
        vehicles = {v.id: v for v in session.execute(select(Vehicle.id, Vehicle.plate, Vehicle.unit_code))}
        by_vehicle: dict[int, dict] = defaultdict(_zero)

        for d in repository.dispatch_totals(session, DRIVEN, start, end):
            figures = by_vehicle[d.vehicle_id]
            figures["dispatches"] += d.dispatches
            figures["distance_km"] += d.distance_km
            figures["dispatch_cost_yuan"] += d.cost_yuan
        for t in repository.fuel_totals(session, start, end):
            figures = by_vehicle[t.vehicle_id]
            figures["fuel_liters"] += t.liters
            figures["fuel_kwh"] += t.kwh
            figures["fuel_yuan"] += t.amount_yuan
        for s in repository.service_totals(session, first, last):
            by_vehicle[s.vehicle_id]["service_yuan"] += s.cost_yuan

        if unit_code:
            by_vehicle = {vid: f for vid, f in by_vehicle.items() if vehicles[vid].unit_code == unit_code}
        by_unit: dict[str, dict] = defaultdict(_zero)
        totals = _zero()
        for vehicle_id, figures in by_vehicle.items():
            for target in (by_unit[vehicles[vehicle_id].unit_code], totals):
                for key, value in figures.items():
                    target[key] += value

        flags = session.scalars(select(VehicleFlag).where(
            VehicleFlag.created_at >= start, VehicleFlag.created_at < end,
            *( [VehicleFlag.unit_code == unit_code] if unit_code else []))).all()
        disposals = session.execute(select(Disposal.method, Disposal.proceeds_yuan).where(
            Disposal.disposed_on.between(first, last), *([Disposal.unit_code == unit_code] if unit_code else []))).all()
        registered = session.scalar(select(func.count()).select_from(Vehicle).where(
            Vehicle.created_at >= start, Vehicle.created_at < end,
            *([Vehicle.unit_code == unit_code] if unit_code else [])))
        meetings = session.execute(select(SafetyMeeting.held_on, func.count(MeetingAttendance.id)).outerjoin(
            MeetingAttendance, MeetingAttendance.meeting_id == SafetyMeeting.id).where(
            SafetyMeeting.held_on.between(first, last)).group_by(SafetyMeeting.id, SafetyMeeting.held_on)).all()
        return {
            "from_": first, "to": last,
            "totals": _finish(totals),
            "by_vehicle": [{**_finish(f), "vehicle_id": vid, "plate": vehicles[vid].plate,
                            "unit_code": vehicles[vid].unit_code} for vid, f in sorted(by_vehicle.items())
                           if with_vehicles],
            "by_unit": [{**_finish(f), "unit_code": unit} for unit, f in sorted(by_unit.items())],
            "flags": {
                "raised": len(flags),
                "resolved": sum(f.status == "resolved" for f in flags),
                "violations": sum(f.status == "violation" for f in flags),
                "open": sum(f.status in ("open", "explained") for f in flags),
                "by_kind": {kind: sum(f.kind == kind for f in flags) for kind in contract.FLAG_KINDS},
            },
            "renewal": {
                "disposed": len(disposals), "registered": registered,
                "by_method": {method: sum(d.method == method for d in disposals) for method in contract.DISPOSAL_METHODS},
                "proceeds_yuan": sum((d.proceeds_yuan or 0 for d in disposals), Decimal(0)),
            },
            "safety_meetings": {
                "held": len(meetings), "months_with_meeting": len({(held.year, held.month) for held, _ in meetings}),
                "attendances": sum(attended for _, attended in meetings),
            },
        }

    def _annual(self, year: int) -> dict:
        session = self.db.session
        first, last = date(year, 1, 1), date(year, 12, 31)
        _, year_end = repository.day_bounds(first, last)
        held = []
        for vehicle in session.scalars(select(Vehicle).where(Vehicle.created_at < year_end)):
            change = session.scalar(select(StatusChange).where(
                StatusChange.vehicle_id == vehicle.id, StatusChange.changed_at < year_end,
            ).order_by(StatusChange.changed_at.desc(), StatusChange.id.desc()).limit(1))
            if (change.to_status if change else vehicle.status) != "disposed":
                held.append(vehicle)
        disposals = session.scalars(select(Disposal).where(
            Disposal.disposed_on >= first, Disposal.disposed_on <= last)).all()
        fleet = {
            "vehicles_at_year_end": len(held),
            "by_category": dict(Counter(v.category for v in held)),
            "quota_slots": sum(session.scalars(select(Quota.slots))),
            "purchased": sum(1 for v in held + [session.get(Vehicle, d.vehicle_id) for d in disposals]
                             if v.purchased_on and v.purchased_on.year == year),
            "disposed": len(disposals),
            "disposal_proceeds_yuan": sum((d.proceeds_yuan or 0 for d in disposals), Decimal(0)),
            "eligible_for_renewal": sum(1 for v in held if v.renewal_eligible_on and v.renewal_eligible_on <= last),
        }
        return {"year": year, "fleet": fleet, "stats": self._stats(first, last)}

    @rpc(reads_only=True)
    def vehicle_report(self, query):
        self.call.caller.require(*STAFF)
        q = load(contract.ReportQuery(), query or {})
        report = contract.AnnualReport().dump(self._annual(q["year"]))
        if q["format"] == "json":
            return report
        return contract.ReportFile().dump({
            "filename": f"vehicle-report-{q['year']}.xlsx", "content_type": XLSX,
            "content_base64": base64.b64encode(workbook_bytes(report)).decode("ascii"),
        })


def workbook_bytes(report: dict) -> bytes:
    """The annual report as a workbook: the fleet, the totals, by vehicle, by unit, flags."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "车辆配备"
    fleet = report["fleet"]
    append_row(sheet, [f"{report['year']}年度公务用车配备更新和使用情况统计报告"])
    sheet["A1"].font = Font(bold=True)
    rows = [("年末车辆数", fleet["vehicles_at_year_end"]), ("编制数", fleet["quota_slots"]),
            ("本年购置", fleet["purchased"]), ("本年处置", fleet["disposed"]),
            ("处置收入(元)", fleet["disposal_proceeds_yuan"]), ("符合更新条件", fleet["eligible_for_renewal"])]
    rows += [(f"车型: {category}", n) for category, n in sorted(fleet["by_category"].items())]
    for row in rows:
        append_row(sheet, list(row))

    columns = [("dispatches", "调度车次"), ("distance_km", "里程(km)"), ("fuel_liters", "油耗(L)"),
               ("fuel_kwh", "电耗(kWh)"), ("fuel_yuan", "燃料费(元)"), ("dispatch_cost_yuan", "出车费用(元)"),
               ("service_yuan", "维修保养(元)"), ("cost_yuan", "合计费用(元)"), ("l_per_100km", "百公里油耗(L)")]
    stats = report["stats"]
    for title, key_columns, rows in (
        ("按车辆", [("plate", "车牌"), ("unit_code", "单位")], stats["by_vehicle"]),
        ("按单位", [("unit_code", "单位")], stats["by_unit"]),
        ("合计", [], [stats["totals"]]),
    ):
        table = book.create_sheet(title)
        header = key_columns + columns
        append_row(table, [label for _, label in header])
        for cell in table[1]:
            cell.font = Font(bold=True)
        for row in rows:
            append_row(table, [row.get(key) for key, _ in header])
    flags = book.create_sheet("监控预警")
    for label, key in (("预警数", "raised"), ("已办结", "resolved"), ("确认违规", "violations"), ("未办结", "open")):
        append_row(flags, [label, stats["flags"][key]])
    for kind, n in sorted(stats["flags"]["by_kind"].items()):
        append_row(flags, [kind, n])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
