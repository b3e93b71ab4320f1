"""The reception service: the gate's visitor log (receptions and the rest to come)."""
from __future__ import annotations

from sqlalchemy import select

from services.kit.config import secret
from services.kit.context import CallContext
from services.kit.db import Database, get_or_404, paginate, utcnow
from services.kit.entrypoints import rpc
from services.kit.health import HealthMixin
from services.kit.outbox import OutboxRelayMixin
from services.kit.schemas import load, page_of
from services.reception import contract, domain
from services.reception.models import OutboxEvent, ProcessedEvent, Visitor

MANAGERS = ("reception_officer",)
READERS = ("reception_officer", "leader", "unit_user")

visitor_out = contract.Visitor()


def id_number_key() -> bytes:
    return secret("ID_NUMBER_HASH_KEY").encode()


class ReceptionService(HealthMixin, OutboxRelayMixin):
    name = contract.SERVICE

    db = Database(OutboxEvent, ProcessedEvent)
    call = CallContext()

    @rpc
    def register_visitor(self, payload):
        self.call.caller.require(*MANAGERS)
        data = load(contract.VisitorCreate(), payload)
        number = domain.validate_id_number(data.pop("id_number"))
        visitor = Visitor(
            **data,
            id_number_masked=domain.mask_id_number(number),
            id_number_hash=domain.hash_id_number(number, id_number_key()),
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
        self.call.caller.require(*MANAGERS)
        visitor = get_or_404(self.db.session, Visitor, int(visitor_id), "visitor")
        domain.check_can_check_out(visitor.checked_out_at)
        visitor.checked_out_at = utcnow()
        self.db.session.flush()
        return visitor_out.dump(visitor)

    @rpc
    def list_visitors(self, query=None):
        caller = self.call.caller
        caller.require(*READERS)
        q = load(contract.VisitorQuery(), query or {})
        statement = select(Visitor).order_by(Visitor.id.desc())
        unit_code = caller.unit_filter(q.get("host_unit_code"))
        if unit_code:
            statement = statement.where(Visitor.host_unit_code == unit_code)
        if q.get("on_site") is True:
            statement = statement.where(Visitor.checked_out_at.is_(None))
        elif q.get("on_site") is False:
            statement = statement.where(Visitor.checked_out_at.is_not(None))
        items, total = paginate(self.db.session, statement, q["limit"], q["offset"])
        return page_of(visitor_out.dump(items, many=True), total)

    @rpc
    def get_visitor(self, visitor_id):
        self.call.caller.require(*READERS)
        visitor = get_or_404(self.db.session, Visitor, int(visitor_id), "visitor")
        self.call.caller.check_visible(visitor.host_unit_code, "visitor")
        return visitor_out.dump(visitor)
