"""RPC of the monthly readings (能耗数据): recorded one or many at once, listed, read with their
revisions."""
from __future__ import annotations

from services.energy import contract, domain, repository
from services.energy.base import EnergyBase
from services.energy.contract import REPORTERS
from services.energy.models import Reading
from services.energy.settings import SETTINGS
from services.kit.entrypoints import rpc
from services.kit.errors import Invalid
from services.kit.schemas import flatten_errors, load

reading_out = contract.Reading()


def reading_view(reading: Reading, revisions=None) -> dict:
    kgce = domain.reading_kgce(reading.energy_type, reading.quantity, reading.unit)
    view = {column: getattr(reading, column) for column in (
        "id", "institution_id", "unit_code", "period", "energy_type", "quantity", "unit", "source", "import_id",
        "recorded_by", "created_at", "updated_at")}
    view.update(kgce=domain.round_to(kgce, 3), coefficient_table=domain.coefficients.VERSION)
    if revisions is not None:
        view["revisions"] = revisions
    return reading_out.dump(view)


class ReadingsRpc(EnergyBase):
    @rpc
    def record_readings(self, payload):
        """One reading (an object) or many (a list), all or none."""
        caller = self.call.caller
        caller.require(*REPORTERS)
        many = isinstance(payload, list)
        if many and not 1 <= len(payload) <= SETTINGS.readings_batch_max:
            raise Invalid("send 1 to %d readings at once" % SETTINGS.readings_batch_max,
                          {"_schema": [f"1 to {SETTINGS.readings_batch_max} readings"]})
        if many:
            schema = contract.ReadingCreate(many=True)
            from marshmallow import ValidationError

            try:
                items = schema.load(payload)
            except ValidationError as exc:
                raise Invalid("the input has invalid fields", flatten_errors(exc.messages)) from None
        else:
            items = [load(contract.ReadingCreate(), payload)]
        domain.check_periods_begun([item["period"] for item in items], self._now(), many)
        session = self.db.session
        for item in items:
            item["unit_code"] = caller.unit_for_write(item["unit_code"])
        institutions = repository.institutions_by_unit(session, [item["unit_code"] for item in items])
        for item in items:
            if item["unit_code"] not in institutions:
                repository.institution_by_unit(session, item["unit_code"])  # raises NotFound
        inputs = [repository.ReadingInput(institutions[item["unit_code"]], item["period"], item["energy_type"],
                                          item["quantity"], item["unit"]) for item in items]
        written = repository.write_readings(session, inputs, "api", caller.name, self.db.audit)
        self._after_write(written)
        return {"items": [reading_view(reading) for reading in written.readings], "created": written.created,
                "corrected": written.corrected, "unchanged": written.unchanged}

    @rpc(reads_only=True)
    def list_readings(self, query=None):
        order = (Reading.period, Reading.unit_code, Reading.energy_type, Reading.id)
        return self._page(Reading, reading_out, contract.ReadingQuery(), query, order, reading_view)

    @rpc(reads_only=True)
    def get_reading(self, reading_id):
        reading = self._one(Reading, reading_id, "reading")
        return reading_view(reading, repository.revisions_of(self.db.session, reading.id))
