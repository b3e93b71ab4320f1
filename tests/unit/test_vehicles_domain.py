import pytest

from services.kit.errors import Invalid
from services.vehicles import domain


def test_a_valid_vin_passes_and_is_upper_cased():
    assert domain.normalise_vin(" 1m8gdm9axkp042788 ") == "1M8GDM9AXKP042788"


def test_the_vin_check_digit_is_computed_by_iso_3779():
    assert domain.vin_check_digit("1M8GDM9AXKP042788") == "X"
    assert domain.vin_check_digit("1HGCM82633A004352") == "3"


@pytest.mark.parametrize("vin, reason", [
    ("1M8GDM9A1KP042788", "check digit"),
    ("1M8GDM9AXKP04278", "17 characters"),
    ("1M8GDM9AXKP04278O", "17 characters"),  # O is never used
])
def test_a_wrong_vin_names_the_field(vin, reason):
    with pytest.raises(Invalid) as caught:
        domain.normalise_vin(vin)
    assert reason in caught.value.errors["vin"][0]


@pytest.mark.parametrize("raw, plate", [("浙A12345", "浙A12345"), ("浙a·12345", "浙A12345"), ("京AD12345", "京AD12345")])
def test_plates_are_normalised(raw, plate):
    assert domain.normalise_plate(raw) == plate


@pytest.mark.parametrize("raw", ["ZA12345", "浙A1234", "浙I12345", "浙A1234567", "浙AO2345"])
def test_a_malformed_plate_is_refused(raw):
    with pytest.raises(Invalid) as caught:
        domain.normalise_plate(raw)
    assert "plate" in caught.value.errors
