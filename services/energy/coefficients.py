"""The one table that turns quantities into standard coal (kgce), versioned, and beside it
the one table of CO₂ emission factors, configured.

GB/T 2589-2008 reference values (GB/T 2589-2020 keeps them as reference values):
electricity at its equivalent value (当量值). Every figure computed from this table
names ``VERSION``. A new edition is a new table with a new label, never an edit in place.

The emission factors are not in DOMAIN.md and the provincial authority may publish its
own (a provincial grid factor, a newer national one), so each is a setting
(``ENERGY_KGCO2_<TYPE>``) and every figure built from them shows the factors it used.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from services.energy import contract
from services.kit.config import env

VERSION = "GB/T 2589-2008"

ENERGY_TYPES, WATER, READING_TYPES = contract.ENERGY_TYPES, contract.WATER, contract.READING_TYPES

# kgce per base unit of each energy type
KGCE_PER_BASE_UNIT = {
    "electricity": Decimal("0.1229"),  # kgce/kWh (当量值)
    "natural_gas": Decimal("1.2143"),  # kgce/m3
    "gasoline": Decimal("1.4714"),  # kgce/kg
    "diesel": Decimal("1.4571"),  # kgce/kg
    "coal": Decimal("0.7143"),  # kgce/kg (raw coal)
    "heat": Decimal("0.03412"),  # kgce/MJ
}

# kgCO₂ per base unit of each energy type (water has none). Defaults, to be confirmed with the
# provincial authority (docs/energy.md):
# - electricity: national grid average emission factor for 2022, 0.5703 tCO₂/MWh, published by
#   the Ministry of Ecology and Environment (环办气候函〔2023〕43号);
# - fuels: GB/T 32150-2015 (Appendix B, from the IPCC 2006 defaults and China's inventory
#   guidelines), factor = net calorific value x carbon content per unit heat x oxidation rate
#   x 44/12:
#   natural gas 38.931 MJ/m³ x 15.3 tC/TJ x 99% -> 2.1622 kgCO₂/m³,
#   gasoline 43.070 MJ/kg x 18.9 tC/TJ x 98% -> 2.9251 kgCO₂/kg,
#   diesel 42.652 MJ/kg x 20.2 tC/TJ x 98% -> 3.0959 kgCO₂/kg,
#   raw coal 20.908 MJ/kg x 26.37 tC/TJ x 94% -> 1.9003 kgCO₂/kg;
# - heat: GB/T 32150-2015's default for purchased heat, 0.11 tCO₂/GJ = 0.11 kgCO₂/MJ.
DEFAULT_KGCO2_PER_BASE_UNIT = {
    "electricity": Decimal("0.5703"),  # kgCO₂/kWh
    "natural_gas": Decimal("2.1622"),  # kgCO₂/m3
    "gasoline": Decimal("2.9251"),  # kgCO₂/kg
    "diesel": Decimal("3.0959"),  # kgCO₂/kg
    "coal": Decimal("1.9003"),  # kgCO₂/kg (raw coal)
    "heat": Decimal("0.11"),  # kgCO₂/MJ
}


def emission_factors() -> dict[str, Decimal]:
    """The factors in force: each default unless ``ENERGY_KGCO2_<TYPE>`` sets it (per base unit)."""
    return {energy_type: Decimal(env(f"ENERGY_KGCO2_{energy_type.upper()}", str(default)))
            for energy_type, default in DEFAULT_KGCO2_PER_BASE_UNIT.items()}


KGCO2_PER_BASE_UNIT = emission_factors()

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


assert {kind: tuple(units) for kind, units in UNITS.items()} == contract.UNITS, "coefficients and contract disagree"


def to_base(energy_type: str, quantity: Decimal, unit: str) -> Decimal:
    """The quantity in the type's base unit (kWh, m3, kg, MJ)."""
    return Decimal(quantity) * UNITS[energy_type][unit].factor


def to_kgce(energy_type: str, quantity: Decimal, unit: str) -> Decimal | None:
    """Standard coal of a quantity; None for water, which is not energy."""
    if energy_type not in KGCE_PER_BASE_UNIT:
        return None
    return to_base(energy_type, quantity, unit) * KGCE_PER_BASE_UNIT[energy_type]


def to_kgco2(energy_type: str, quantity: Decimal, unit: str) -> Decimal | None:
    """CO₂ emitted by a quantity; None for water. Litres go to kg by the same densities."""
    if energy_type not in KGCO2_PER_BASE_UNIT:
        return None
    return to_base(energy_type, quantity, unit) * KGCO2_PER_BASE_UNIT[energy_type]
