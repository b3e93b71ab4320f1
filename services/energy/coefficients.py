"""The one table that turns quantities into standard coal (kgce), versioned.

GB/T 2589-2008 reference values (GB/T 2589-2020 keeps them as reference values):
electricity at its equivalent value (当量值). Every figure computed from this table
names ``VERSION``. A new edition is a new table with a new label, never an edit in place.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

VERSION = "GB/T 2589-2008"

ENERGY_TYPES = ("electricity", "natural_gas", "gasoline", "diesel", "coal", "heat")
WATER = "water"
READING_TYPES = ENERGY_TYPES + (WATER,)

# kgce per base unit of each energy type
KGCE_PER_BASE_UNIT = {
    "electricity": Decimal("0.1229"),  # kgce/kWh (当量值)
    "natural_gas": Decimal("1.2143"),  # kgce/m3
    "gasoline": Decimal("1.4714"),  # kgce/kg
    "diesel": Decimal("1.4571"),  # kgce/kg
    "coal": Decimal("0.7143"),  # kgce/kg (raw coal)
    "heat": Decimal("0.03412"),  # kgce/MJ
}

# kg per litre, to bring liquid fuels to the table's kilograms
DENSITY_KG_PER_L = {"gasoline": Decimal("0.73"), "diesel": Decimal("0.84")}

BASE_UNIT = {
    "electricity": "kWh", "natural_gas": "m3", "gasoline": "kg", "diesel": "kg", "coal": "kg", "heat": "MJ",
    "water": "m3",
}


@dataclass(frozen=True)
class UnitFactor:
    """How much of the base unit one of this unit is."""

    factor: Decimal
    by_density: bool = False  # litres: the factor is the fuel's density


# Units accepted per type, and what one of them is in the type's base unit.
UNITS = {
    "electricity": {"kWh": UnitFactor(Decimal(1)), "MWh": UnitFactor(Decimal(1000))},
    "natural_gas": {"m3": UnitFactor(Decimal(1))},
    "gasoline": {"kg": UnitFactor(Decimal(1)), "L": UnitFactor(DENSITY_KG_PER_L["gasoline"], by_density=True)},
    "diesel": {"kg": UnitFactor(Decimal(1)), "L": UnitFactor(DENSITY_KG_PER_L["diesel"], by_density=True)},
    "coal": {"kg": UnitFactor(Decimal(1)), "t": UnitFactor(Decimal(1000))},
    "heat": {"MJ": UnitFactor(Decimal(1)), "GJ": UnitFactor(Decimal(1000))},
    "water": {"m3": UnitFactor(Decimal(1)), "t": UnitFactor(Decimal(1))},
}


def to_base(energy_type: str, quantity: Decimal, unit: str) -> Decimal:
    """The quantity in the type's base unit (kWh, m3, kg, MJ)."""
    return Decimal(quantity) * UNITS[energy_type][unit].factor


def to_kgce(energy_type: str, quantity: Decimal, unit: str) -> Decimal | None:
    """Standard coal of a quantity; None for water, which is not energy."""
    if energy_type not in KGCE_PER_BASE_UNIT:
        return None
    return to_base(energy_type, quantity, unit) * KGCE_PER_BASE_UNIT[energy_type]
