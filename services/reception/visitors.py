"""Visitors and petitioners (来访群众) at the gate: entrypoints."""
from __future__ import annotations

from sqlalchemy import select

from services.kit.config import secret
from services.kit.crypto import keyed_hash_algorithm
from services.kit.db import utcnow
from services.kit.entrypoints import rpc
from services.kit.schemas import load
from services.reception import contract, domain, repository
from services.reception.base import ReceptionBase
from services.reception.models import Visitor
from services.reception.contract import OFFICERS, READERS

visitor_out = contract.Visitor()


def id_number_key() -> bytes:
    return secret("ID_NUMBER_HASH_KEY").encode()


class VisitorRpc(ReceptionBase):
    """Mixed into ``ReceptionService``; needs ``db`` and ``call``."""

    @rpc
    def register_visitor(self, payload):
        """Gate registration is the check-in; the host hears of it by an event."""
        self.call.caller.require(*OFFICERS)
        data = load(contract.VisitorCreate(), payload)
        number = domain.validate_id_number(data.pop("id_number"))
        algorithm = keyed_hash_algorithm()
        visitor = Visitor(
            **data,
            id_number_masked=domain.mask_id_number(number),
            id_number_hash=domain.hash_id_number(number, id_number_key(), algorithm),
            id_number_hash_algorithm=algorithm,
            checked_in_at=utcnow(),
        )
        self.db.session.add(visitor)
        self.db.session.flush()
        self.db.emit(contract.VISITOR_CHECKED_IN, contract.VisitorCheckedIn().dump({
            "visitor_id": visitor.id, "name": visitor.name, "host_name": visitor.host_name,
            "host_unit_code": visitor.host_unit_code, "purpose": visitor.purpose,
            "checked_in_at": visitor.checked_in_at,
        }))
        return visitor_out.dump(visitor)

    @rpc
    def check_out_visitor(self, visitor_id):
        self.call.caller.require(*OFFICERS)
        visitor = repository.locked(self.db.session, Visitor, visitor_id, "visitor")
        domain.check_can_check_out(visitor.checked_out_at)
        visitor.checked_out_at = utcnow()
        self.db.session.flush()
        return visitor_out.dump(visitor)

    def _visitor_page(self, q: dict, statement, listing: str):
        q["host_unit_code"] = self.call.caller.unit_filter(q.get("host_unit_code"))
        # a list of visitors is personal data read: who read which list is in the trail
        self.db.record("list", "visitor", None, {"listing": [None, listing], "query": [None, {
            key: value.isoformat() if hasattr(value, "isoformat") else value for key, value in q.items()}]})
        return self._page(statement.order_by(Visitor.id.desc()), q, visitor_out.dump,
                          host_unit_code=Visitor.host_unit_code, kind=Visitor.kind)

    @rpc(reads_only=True)
    def list_visitors(self, query=None):
        self.call.caller.require(*READERS)
        q = load(contract.VisitorQuery(), query or {})
        statement = select(Visitor).where(
            *repository.between_days(Visitor.checked_in_at, q.get("from_on"), q.get("to_on")))
        if q.get("on_site") is True:
            statement = statement.where(Visitor.checked_out_at.is_(None))
        elif q.get("on_site") is False:
            statement = statement.where(Visitor.checked_out_at.is_not(None))
        return self._visitor_page(q, statement, "visitors")

    @rpc(reads_only=True)
    def list_open_visits(self, query=None):
        """Visits still open after the gate's closing time of the day they began."""
        self.call.caller.require(*READERS)
        q = load(contract.OpenVisitQuery(), query or {})
        return self._visitor_page(q, select(Visitor).where(
            Visitor.checked_out_at.is_(None), Visitor.checked_in_at < domain.open_past_closing_cutoff(utcnow())),
            "open_past_closing")

    @rpc(reads_only=True)
    def get_visitor(self, visitor_id):
        self.call.caller.require(*READERS)
        visitor = repository.visible(self.db.session, self.call.caller, Visitor, visitor_id, "visitor",
                                     unit_of="host_unit_code")
        self.db.record("read", "visitor", visitor.id)  # a visitor's whole record: who read it is in the trail
        return visitor_out.dump(visitor)
