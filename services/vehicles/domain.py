"""Vehicle rules as plain Python: no nameko, no database."""
from __future__ import annotations

import re

from services.kit.errors import Invalid

# Provinces' one-character abbreviations on Chinese plates (GA 36).
PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
# Ordinary plates carry 5 characters after the issuing letter; new-energy plates 6.
# I and O are never used, to avoid confusion with 1 and 0.
PLATE = re.compile(rf"^[{PROVINCES}][A-HJ-NP-Z][A-HJ-NP-Z0-9]{{5,6}}$")

# VIN check digit (ISO 3779; mandatory in China by GB 16735).
_VIN_VALUES = {
    **{str(d): d for d in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9))),
    **dict(zip("JKLMN", range(1, 6))), "P": 7, "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10))),
}
_VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)


def normalise_plate(raw: str) -> str:
    plate = re.sub(r"[\s·.\-]", "", raw).upper()
    if not PLATE.match(plate):
        raise Invalid("the plate is not a valid plate number", {"plate": ["not a valid plate number, e.g. 浙A12345"]})
    return plate


def vin_check_digit(vin: str) -> str:
    total = sum(_VIN_VALUES[ch] * weight for ch, weight in zip(vin, _VIN_WEIGHTS))
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


def normalise_vin(raw: str) -> str:
    vin = raw.strip().upper()
    if len(vin) != 17 or any(ch not in _VIN_VALUES for ch in vin):
        raise Invalid("the VIN is malformed", {"vin": ["17 characters, digits and letters other than I, O and Q"]})
    if vin[8] != vin_check_digit(vin):
        raise Invalid("the VIN's check digit is wrong", {"vin": ["check digit (9th character) does not match"]})
    return vin
