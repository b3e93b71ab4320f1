"""Official receptions (公务接待) and their reception lists (接待清单): entrypoints."""
from __future__ import annotations

from sqlalchemy import exists, select

from services.kit.db import utcnow
from services.kit.entrypoints import rpc
from services.kit.errors import Invalid, NotFound
from services.kit.schemas import check_not_future, load
from services.reception import contract, domain, repository
from services.reception.contract import OFFICERS, READERS, SUBMITTERS
from services.reception.base import ReceptionBase
from services.reception.models import CanteenReservation, CanteenSlot, Reception, ReceptionListRecord


reception_in = contract.ReceptionCreate()
reception_out = contract.Reception()
list_in = contract.ReceptionListCreate()
list_out = contract.ReceptionList()
meals_in = contract.MealPlan(many=True)


def plan_of(reception: Reception) -> dict:
    """A stored reception as the rules read it (dates and money as Python values)."""
    return {
        "official_letter": reception.official_letter, "guest_origin": reception.guest_origin,
        "guests": reception.guests, "accompanying": reception.accompanying, "starts_on": reception.starts_on,
        "ends_on": reception.ends_on, "meals": meals_in.load(reception.meals),
    }


class ReceptionRpc(ReceptionBase):
    """Mixed into ``ReceptionService``; needs ``db`` and ``call``."""

    def _reception(self, reception_id, lock: bool = False) -> Reception:
        return repository.visible(self.db.session, self.call.caller, Reception, reception_id, "reception", lock=lock)

    @rpc
    def submit_reception(self, payload):
        caller = self.call.caller
        caller.require(*SUBMITTERS)
        data = load(reception_in, payload)
        unit_code = caller.unit_for_write(data.pop("unit_code"), required=True)
        check_not_future(utcnow(), domain.LOCAL_TZ,
                         **{"official_letter.dated_on": (data["official_letter"] or {}).get("dated_on")})
        domain.check_reception_dates(data)
        domain.check_reception(data, self._today())
        stored = reception_in.dump(data)
        reception = Reception(unit_code=unit_code, status="submitted", submitted_by=caller.name, **{
            key: stored[key] for key in ("title", "official_letter", "guest_origin", "guests", "accompanying",
                                         "activities", "meals", "lodging")
        }, starts_on=data["starts_on"], ends_on=data["ends_on"])
        self.db.session.add(reception)
        self.db.session.flush()
        self._reserve_meals(reception, data["meals"])
        return reception_out.dump(reception)

    def _reserve_meals(self, reception: Reception, meals: list[dict]) -> None:
        """Canteen seats for every meal served in the canteen (guests and accompanying diners)."""
        for index, meal in enumerate(meals):
            if meal.get("canteen_slot_id") is None:
                continue
            field = f"meals.{index}.canteen_slot_id"
            slot = self.db.session.get(CanteenSlot, meal["canteen_slot_id"])
            if slot is None:
                raise Invalid("the canteen slot does not exist", {field: ["no such canteen slot"]})
            domain.check_slot_fits_meal(slot.meal, slot.served_on, meal, field)
            repository.reserve_seats(
                self.db.session, slot.id, domain.diners(len(reception.guests), meal),
                batch=f"reception {reception.id}: {reception.title}"[:200], unit_code=reception.unit_code,
                reception_id=reception.id,
            )

    @rpc(reads_only=True)
    def list_receptions(self, query=None):
        caller = self.call.caller
        caller.require(*READERS)
        q = load(contract.ReceptionQuery(), query or {})
        q["unit_code"] = caller.unit_filter(q.get("unit_code"))
        statement = select(Reception).order_by(Reception.id.desc()).where(
            *repository.between_dates(Reception.starts_on, q.get("from_on"), q.get("to_on")))
        return self._page(statement, q, reception_out.dump, unit_code=Reception.unit_code,
                          status=Reception.status)

    @rpc(reads_only=True)
    def get_reception(self, reception_id):
        self.call.caller.require(*READERS)
        return reception_out.dump(self._reception(reception_id))

    @rpc
    def approve_reception(self, reception_id, payload=None):
        """Prior approval: every rule is checked again, on the day of approval."""
        caller = self.call.caller
        caller.require(*OFFICERS)
        data = load(contract.ReceptionApprove(), payload or {})
        reception = self._reception(reception_id, lock=True)
        domain.check_reception_action(reception.status, "approve")
        domain.check_reception(plan_of(reception), self._today())
        self.db.audit("approve", reception)
        now = utcnow()
        reception.status, reception.approved_at, reception.decided_at = "approved", now, now
        reception.decided_by, reception.reason = caller.name, data["note"]
        self.db.session.flush()
        self.db.emit(contract.RECEPTION_APPROVED, contract.ReceptionApproved().dump({
            "reception_id": reception.id, "unit_code": reception.unit_code, "title": reception.title,
            "starts_on": reception.starts_on, "ends_on": reception.ends_on, "guests": len(reception.guests),
            "approved_at": now,
        }))
        return reception_out.dump(reception)

    @rpc
    def reject_reception(self, reception_id, payload):
        caller = self.call.caller
        caller.require(*OFFICERS)
        data = load(contract.ReceptionReject(), payload)
        return self._close_reception(reception_id, "reject", "rejected", data["reason"])

    @rpc
    def cancel_reception(self, reception_id, payload=None):
        self.call.caller.require(*SUBMITTERS)
        data = load(contract.ReceptionCancel(), payload or {})
        return self._close_reception(reception_id, "cancel", "cancelled", data["reason"])

    def _close_reception(self, reception_id, action: str, status: str, reason: str | None):
        """Rejected or cancelled: what the reception reserved in the canteen is released."""
        reception = self._reception(reception_id, lock=True)
        domain.check_reception_action(reception.status, action)
        self.db.audit(action, reception)
        reception.status, reception.reason = status, reason
        reception.decided_by, reception.decided_at = self.call.caller.name, utcnow()
        repository.release_reservations(self.db.session, reception_id=reception.id)
        self.db.session.flush()
        if status == "rejected":
            self.db.emit(contract.RECEPTION_REJECTED, contract.ReceptionRejected().dump({
                "reception_id": reception.id, "unit_code": reception.unit_code, "title": reception.title,
                "reason": reason, "rejected_at": reception.decided_at}))
        return reception_out.dump(reception)

    @rpc
    def complete_reception(self, reception_id, payload):
        """The reception list: compared with the letter and the approval, then locked."""
        caller = self.call.caller
        caller.require(*OFFICERS)
        actual = load(list_in, payload)
        domain.check_list_dates(actual, utcnow())
        domain.check_list_costs(actual)
        reception = self._reception(reception_id, lock=True)
        domain.check_reception_action(reception.status, "complete")
        domain.check_list_after_event(reception.ends_on, self._today())
        approved = plan_of(reception)
        differences = domain.compare_reception_list(approved, actual)
        stored = list_in.dump(actual)
        now = utcnow()
        record = ReceptionListRecord(
            reception_id=reception.id, total_cost_yuan=domain.reception_list_cost(actual),
            differences=contract.Difference(many=True).dump(_json_ready(differences)), locked_at=now,
            recorded_by=caller.name, note=actual.get("note"),
            **{key: stored[key] for key in ("guests", "accompanying", "support_staff", "activities", "meals", "costs")},
        )
        reception.status, reception.completed_at = "completed", now
        self.db.session.add(record)
        self.db.session.flush()
        in_canteen = self.db.session.scalar(select(exists().where(
            CanteenReservation.reception_id == reception.id, CanteenReservation.status == "active")))
        self.db.emit(contract.RECEPTION_COMPLETED, contract.ReceptionCompleted().dump({
            "reception_id": reception.id, "unit_code": reception.unit_code, "guests": len(actual["guests"]),
            "total_cost_yuan": float(record.total_cost_yuan), "differences": len(differences),
            "in_canteen": bool(in_canteen), "completed_at": now,
        }))
        return list_out.dump(record)

    @rpc(reads_only=True)
    def get_reception_list(self, reception_id):
        self.call.caller.require(*READERS)
        reception = self._reception(reception_id)
        record = self.db.session.get(ReceptionListRecord, reception.id)
        if record is None:
            raise NotFound(f"reception {reception.id} has no reception list yet")
        self.db.record("read", "reception_list", reception.id)  # the guests' names: who read them is in the trail
        return list_out.dump(record)


def _json_ready(differences: list[dict]) -> list[dict]:
    """Dates and money in differences as JSON strings."""
    def plain(value):
        return value if value is None or isinstance(value, (str, int, float, bool)) else str(value)

    return [{**item, "approved": plain(item["approved"]), "actual": plain(item["actual"])} for item in differences]
