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


def test_the_annual_vehicle_workbook_writes_a_formula_like_unit_code_as_text():
    import io

    from openpyxl import load_workbook

    from services.vehicles.reporting import workbook_bytes

    figures = {"dispatches": 1, "distance_km": 10.0, "fuel_liters": 1.0, "fuel_kwh": 0.0, "fuel_yuan": 8.0,
               "dispatch_cost_yuan": 0.0, "service_yuan": 0.0, "cost_yuan": 8.0, "l_per_100km": 10.0}
    report = {"year": 2026, "fleet": {"vehicles_at_year_end": 1, "quota_slots": 2, "purchased": 0, "disposed": 0,
                                      "disposal_proceeds_yuan": 0.0, "eligible_for_renewal": 0, "by_category": {}},
              "stats": {"by_vehicle": [{**figures, "plate": "@A1", "unit_code": "=1+2"}],
                        "by_unit": [{**figures, "unit_code": "=1+2"}], "totals": figures,
                        "flags": {"raised": 0, "resolved": 0, "violations": 0, "open": 0, "by_kind": {}}}}
    book = load_workbook(io.BytesIO(workbook_bytes(report)))
    by_vehicle, by_unit = book["按车辆"], book["按单位"]
    assert [(c.value, c.data_type) for c in by_vehicle[2][:2]] == [("@A1", "s"), ("=1+2", "s")]
    assert (by_unit["A2"].value, by_unit["A2"].data_type) == ("=1+2", "s")
