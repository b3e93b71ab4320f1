"""RPC of the register: list and search, read, register, change, merge, and a unit's history."""
from __future__ import annotations

from sqlalchemy import select

from services.directory import contract, domain, repository
from services.directory.base import REGISTER_LOCK, DirectoryBase, unit_event
from services.directory.models import Unit, UnitMerge
from services.kit.errors import NotFound
from services.kit.entrypoints import rpc
from services.kit.schemas import load

unit_out = contract.Unit()
merge_out = contract.UnitMerge()


class UnitsRpc(DirectoryBase):
    @rpc(reads_only=True)
    def list_units(self, query=None):
        self.call.caller.require(*contract.READERS)
        q = load(contract.UnitQuery(), query or {})
        return self._page(repository.search(q), q, unit_out.dump)

    @rpc(reads_only=True)
    def get_unit(self, code):
        self.call.caller.require(*contract.READERS)
        return unit_out.dump(self._unit(code))

    def _unit(self, code) -> Unit:
        unit = self.db.session.get(Unit, str(code))
        if unit is None:
            raise NotFound(f"unit {code} not found")
        return unit

    @rpc
    def create_unit(self, payload):
        self.call.caller.require(*contract.WRITERS)
        data = load(contract.UnitCreate(), payload)
        self.db.lock(REGISTER_LOCK)
        unit = self._register(data)
        self.db.audit("register", unit, "unit")
        return unit_out.dump(unit)

    def _register(self, data: dict) -> Unit:
        """A new unit from loaded ``UnitCreate`` data, checked, added and announced."""
        session = self.db.session
        domain.check_unique("code", session.get(Unit, data["code"]) is not None)
        domain.check_unique("name", repository.name_taken(session, data["name"]))
        parent = data.get("parent_code")
        domain.check_parent(data["code"], parent, repository.status_of(session, parent), repository.parents(session))
        unit = Unit(**data, status="active", initials=domain.initials(data["name"], data.get("short_name")))
        session.add(unit)
        session.flush()
        self.db.emit(contract.UNIT_REGISTERED, unit_event(unit))
        return unit

    @rpc
    def update_unit(self, code, payload):
        self.call.caller.require(*contract.WRITERS)
        changes = load(contract.UnitUpdate(), payload, partial=True)
        self.db.lock(REGISTER_LOCK)
        unit = repository.locked(self.db.session, str(code)) or self._unit(code)
        self.db.audit("change", unit, "unit")
        self._change(unit, changes)
        return unit_out.dump(unit)

    @rpc
    def merge_unit(self, code, payload):
        """机构改革: ``code`` becomes part of the successor from the effective date; the units under
        it move under the successor. Records keep the code they were made under."""
        caller = self.call.caller
        caller.require(*contract.WRITERS)
        data = load(contract.MergeRequest(), payload)
        session = self.db.session
        self.db.lock(REGISTER_LOCK)
        unit = repository.locked(session, str(code)) or self._unit(code)
        successor = data["successor_code"]
        domain.check_merge(unit.code, unit.status, successor, repository.status_of(session, successor),
                           data["effective_date"], self._today())
        self.db.audit("merge", unit, "unit")
        moves = domain.children_after_merge(unit.code, successor, unit.parent_code,
                                            [child.code for child in repository.children(session, unit.code)],
                                            repository.parents(session))
        unit.status, unit.successor_code, unit.merged_on = "merged", successor, data["effective_date"]
        merge = UnitMerge(predecessor_code=unit.code, successor_code=successor, effective_date=data["effective_date"],
                          note=data["note"], created_by=caller.name)
        session.add(merge)
        session.flush()
        self.db.emit(contract.UNIT_MERGED, {"unit_code": unit.code, "successor_code": successor,
                                            "effective_date": data["effective_date"].isoformat()})
        for child_code, parent in sorted(moves.items()):
            child = session.get(Unit, child_code)
            self.db.audit("change", child, "unit")
            child.parent_code = parent
            session.flush()
            self.db.emit(contract.UNIT_CHANGED, unit_event(child))
        return merge_out.dump(merge)

    @rpc(reads_only=True)
    def unit_history(self, code):
        """What the unit became, which units became it, and the codes a report rolls up into it."""
        self.call.caller.require(*contract.READERS)
        unit = self._unit(code)
        session = self.db.session
        merged_from = session.scalars(select(UnitMerge).where(UnitMerge.successor_code == unit.code)
                                      .order_by(UnitMerge.effective_date, UnitMerge.id)).all()
        merged_into = session.scalar(select(UnitMerge).where(UnitMerge.predecessor_code == unit.code))
        return contract.UnitHistory().dump({
            "code": unit.code, "merged_into": merged_into, "merged_from": merged_from,
            "rolls_up": domain.rolls_up(unit.code, repository.merges(session))})

    @rpc(reads_only=True)
    def unit_names(self, codes=None):
        """Code → short name (else full name) of the given codes (the first 1000), or of all units:
        what the gateway and the console show where they had only a code."""
        self.call.caller.require(*contract.READERS)
        statement = select(Unit.code, Unit.name, Unit.short_name)
        if codes is not None:
            statement = statement.where(Unit.code.in_([str(code) for code in codes][:1000]))
        return {code: short or name for code, name, short in self.db.session.execute(statement).all()}
