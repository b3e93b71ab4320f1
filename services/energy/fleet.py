"""The fleet ledger: the fuel transactions vehicles records (``fuel_recorded``), and its figures."""
from __future__ import annotations

from sqlalchemy import select

from services.energy import contract, domain, reports
from services.energy.base import EnergyBase
from services.energy.contract import READERS
from services.energy.models import FleetFuel
from services.kit.entrypoints import batch_event_handler, rpc
from services.kit.schemas import load
from services.vehicles import contract as vehicles

fuel_recorded_in = vehicles.FuelRecorded()


class FleetRpc(EnergyBase):
    @rpc(reads_only=True)
    def fleet(self, query):
        caller = self.call.caller
        caller.require(*READERS)
        q = load(contract.FleetQuery(), query or {})
        return contract.Fleet().dump(
            reports.fleet(self.db.session, q["year"], q.get("months"), caller.unit_filter(q.get("unit_code"))))

    @batch_event_handler(vehicles.SERVICE, vehicles.FUEL_RECORDED)
    def on_fuel_recorded(self, payloads):
        """The fuel transactions that arrived together, into the fleet ledger in one transaction."""
        events = fuel_recorded_in.load(payloads, many=True)
        fresh = self.db.first_deliveries([event["event_id"] for event in events], "energy.on_fuel_recorded")
        session = self.db.session
        candidates = [event["transaction_id"] for event in events if event["event_id"] in fresh]
        known = set(session.scalars(
            select(FleetFuel.transaction_id).where(FleetFuel.transaction_id.in_(candidates)))) if candidates else set()
        session.add_all(FleetFuel(**domain.fleet_fuel_entry(event))
                        for event in domain.new_fuel_transactions(events, fresh, known))
