"""The reception figures of a period: receptions, canteen, meetings, visitors."""
from __future__ import annotations


from decimal import Decimal

from sqlalchemy import case, func, select

from services.kit.entrypoints import rpc
from services.kit.schemas import load
from services.reception import contract, domain, repository
from services.reception.base import ReceptionBase
from services.reception.models import CanteenReservation, CanteenSlot, Meeting, Reception, ReceptionListRecord, Visitor
from services.reception.contract import READERS

# Receptions that took place (or will): approved, then completed with their list.
HELD = ("approved", "completed")


class ReportsRpc(ReceptionBase):
    """Mixed into ``ReceptionService``; needs ``db`` and ``call``."""

    @rpc(reads_only=True)
    def reception_stats(self, query=None):
        caller = self.call.caller
        caller.require(*READERS)
        q = load(contract.StatsQuery(), query or {})
        unit_code = caller.unit_filter(q.get("unit_code"))
        from_on, to_on = q["from_on"], q["to_on"]
        return contract.ReceptionStats().dump({
            "from_on": from_on, "to_on": to_on, "unit_code": unit_code,
            **self._reception_figures(from_on, to_on, unit_code),
            "meetings": self._meeting_figures(from_on, to_on, unit_code),
            "visitors": self._visitor_figures(from_on, to_on, unit_code),
        })

    def _reception_figures(self, from_on, to_on, unit_code) -> dict:
        session = self.db.session
        # the columns the figures need; the guest list is counted by the database (whole rows cost
        # a JSON decode of every list of a year's receptions)
        statement = select(Reception.id, Reception.status, func.json_array_length(Reception.guests).label("guests")) \
            .where(*repository.between_dates(Reception.starts_on, from_on, to_on))
        if unit_code:
            statement = statement.where(Reception.unit_code == unit_code)
        receptions = session.execute(statement).all()
        held = [reception for reception in receptions if reception.status in HELD]
        held_ids = [reception.id for reception in held]
        in_canteen = set(session.scalars(select(CanteenReservation.reception_id).distinct().where(
            CanteenReservation.reception_id.in_(held_ids), CanteenReservation.status == "active"))) if held_ids else set()
        cost = session.scalar(select(func.coalesce(func.sum(ReceptionListRecord.total_cost_yuan), 0)).where(
            ReceptionListRecord.reception_id.in_(held_ids))) if held_ids else Decimal(0)
        # by what the meal was for: a reception's guests, a meeting's meals, anything else
        purpose = case((CanteenReservation.reception_id.is_not(None), "reception"),
                       (CanteenReservation.meeting_id.is_not(None), "meeting"), else_="other")
        seats = select(purpose, func.count(CanteenReservation.id), func.coalesce(func.sum(CanteenReservation.head_count), 0)) \
            .join(CanteenSlot).where(CanteenReservation.status == "active",
                                     *repository.between_dates(CanteenSlot.served_on, from_on, to_on)).group_by(purpose)
        if unit_code:
            seats = seats.where(CanteenReservation.unit_code == unit_code)
        by_purpose = {kind: (int(count), int(heads)) for kind, count, heads in session.execute(seats).all()}
        batches = sum(count for count, _ in by_purpose.values())
        persons = sum(heads for _, heads in by_purpose.values())
        return {
            "receptions": {
                "batches": len(held), "guests": sum(reception.guests for reception in held),
                "completed": sum(reception.status == "completed" for reception in held),
                "refused": sum(reception.status == "rejected" for reception in receptions),
                "cost_yuan": float(cost or 0),
            },
            "canteen": {
                "batches": batches, "persons": persons, "receptions_in_canteen": len(in_canteen),
                "reception_persons": by_purpose.get("reception", (0, 0))[1],
                "meeting_persons": by_purpose.get("meeting", (0, 0))[1],
                "reception_share": domain.share(len(in_canteen), len(held)),
            },
        }

    def _meeting_figures(self, from_on, to_on, unit_code) -> dict:
        statement = select(func.count(Meeting.id), func.coalesce(func.sum(Meeting.attendees), 0),
                           func.coalesce(func.sum(Meeting.checked_in), 0)).where(
            Meeting.status == "scheduled", *repository.between_days(Meeting.start_at, from_on, to_on))
        if unit_code:
            statement = statement.where(Meeting.unit_code == unit_code)
        meetings, attendees, checked_in = self.db.session.execute(statement).one()
        return {"meetings": int(meetings), "attendees": int(attendees), "checked_in": int(checked_in)}

    def _visitor_figures(self, from_on, to_on, unit_code) -> dict:
        statement = select(Visitor.kind, func.count(Visitor.id), func.coalesce(func.sum(Visitor.party_size), 0)) \
            .where(*repository.between_days(Visitor.checked_in_at, from_on, to_on)).group_by(Visitor.kind)
        if unit_code:
            statement = statement.where(Visitor.host_unit_code == unit_code)
        by_kind = {kind: (int(batches), int(persons)) for kind, batches, persons in self.db.session.execute(statement)}
        petitioners = by_kind.get("petitioner", (0, 0))
        return {
            "batches": sum(batches for batches, _ in by_kind.values()),
            "persons": sum(persons for _, persons in by_kind.values()),
            "petitioner_batches": petitioners[0], "petitioner_persons": petitioners[1],
        }


