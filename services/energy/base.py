"""What every area of the energy service shares: the clock, who may write a record for which
unit, one page of a filtered listing, one record a unit user may see, the risk of the years a
write touched."""
from __future__ import annotations

from sqlalchemy import select

from services.energy import repository
from services.energy.contract import MANAGERS, READERS
from services.energy.models import Institution
from services.kit.db import get_or_404, paginate, utcnow
from services.kit.schemas import load, page_of



class EnergyBase:
    """The base of each area class (``InstitutionsRpc``, ``ReadingsRpc``, ``TargetsRpc``,
    ``ImportsRpc``, ``ProgrammesRpc``, ``FleetRpc``, ``ReportsRpc``); needs the service's ``db``
    and ``call``."""

    @staticmethod
    def _now():
        return utcnow()

    def _institution_for_write(self, data: dict, roles=MANAGERS) -> Institution:
        caller = self.call.caller
        caller.require(*roles)
        data["unit_code"] = caller.unit_for_write(data["unit_code"])
        return repository.institution_by_unit(self.db.session, data["unit_code"])

    def _add(self, record):
        self.db.session.add(record)
        self.db.session.flush()
        return record

    def _page(self, model, schema, query_schema, query, order_by, view=None):
        """A page of ``model`` filtered by the query's fields (``year`` over ``period`` or
        ``year`` columns), a unit user held to its own unit."""
        caller = self.call.caller
        caller.require(*READERS)
        q = load(query_schema, query or {})
        statement = select(model).order_by(*order_by)
        q["unit_code"] = caller.unit_filter(q.get("unit_code"))
        for key, value in q.items():
            if key in ("limit", "offset", "updated_since") or value is None:
                continue
            if key == "year" and not hasattr(model, "year"):
                statement = statement.where(model.period.like(f"{value:04d}-%"))
            else:
                statement = statement.where(getattr(model, key) == value)
        items, total = paginate(self.db.session, statement, q["limit"], q["offset"], q.get("updated_since"))
        return page_of([view(item) for item in items] if view else schema.dump(items, many=True), total)

    def _one(self, model, ident, what):
        self.call.caller.require(*READERS)
        record = get_or_404(self.db.session, model, int(ident), what)
        self.call.caller.check_visible(record.unit_code, what)
        return record

    def _after_write(self, written) -> None:
        """The at-risk flags of every institution's year the readings touched, evaluated again."""
        from services.energy.reports import evaluate_risk  # reports' RPC class subclasses this one

        for institution, year in sorted(written.touched, key=lambda pair: (pair[0].id, pair[1])):
            evaluate_risk(self.db, institution, year)
