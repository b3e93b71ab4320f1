"""The unit codes this service's records carry, for bringing them onto the register (docs/units.md)."""
from services.facilities.models import Base
from services.kit.units import unit_codes_rpc

UnitCodesRpc = unit_codes_rpc(Base.metadata)
