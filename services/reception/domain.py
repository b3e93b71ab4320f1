"""Reception rules as plain Python: no nameko, no database."""
from __future__ import annotations

import hashlib
import hmac

from services.kit.errors import Conflict, Invalid

# GB 11643-1999: weights of the first 17 digits and the check character by remainder.
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def id_check_character(first17: str) -> str:
    return _ID_CHECK[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS)) % 11]


def validate_id_number(raw: str) -> str:
    """The resident ID number in canonical form; errors never echo it."""
    number = raw.strip().upper()
    if len(number) != 18 or not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise Invalid("the ID number is malformed", {"id_number": ["18 characters: 17 digits and a digit or X"]})
    if id_check_character(number[:17]) != number[17]:
        raise Invalid("the ID number's check character is wrong", {"id_number": ["check character does not match"]})
    return number


def mask_id_number(number: str) -> str:
    """``3301**********1234``: region prefix and last four only."""
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def hash_id_number(number: str, key: bytes) -> str:
    return hmac.new(key, number.encode(), hashlib.sha256).hexdigest()


def check_can_check_out(checked_out_at) -> None:
    if checked_out_at is not None:
        raise Conflict("the visitor has already checked out")
