import pytest

from services.kit.errors import Conflict, Invalid
from services.reception import domain

VALID = "11010519491231002X"  # the GB 11643 standard's own example


def test_the_check_character_follows_gb_11643():
    assert domain.id_check_character(VALID[:17]) == "X"
    assert domain.validate_id_number(VALID.lower()) == VALID


@pytest.mark.parametrize("raw", ["110105194912310021", "11010519491231002", "1101051949123100XX", "A1010519491231002X"])
def test_a_wrong_id_number_is_refused_without_echoing_it(raw):
    with pytest.raises(Invalid) as caught:
        domain.validate_id_number(raw)
    rendered = str(caught.value.args) + str(caught.value.errors)
    assert raw not in rendered and raw[:17] not in rendered


def test_the_id_number_is_masked_to_region_and_last_four():
    assert domain.mask_id_number("330106198001011234") == "3301**********1234"


def test_the_id_hash_depends_on_the_key():
    assert domain.hash_id_number(VALID, b"a") == domain.hash_id_number(VALID, b"a")
    assert domain.hash_id_number(VALID, b"a") != domain.hash_id_number(VALID, b"b")
    assert VALID not in domain.hash_id_number(VALID, b"a")


def test_a_visitor_checks_out_once():
    domain.check_can_check_out(None)
    with pytest.raises(Conflict):
        domain.check_can_check_out("2026-01-01T00:00:00Z")


def test_a_meals_cost_listed_again_among_the_costs_is_refused_not_counted_twice():
    meal = {"meal": "lunch", "cost_yuan": 200}
    doubled = {"meals": [meal], "costs": [{"item": "住宿费", "amount_yuan": 300}, {"item": "餐费", "amount_yuan": 200}]}
    with pytest.raises(Invalid) as refused:
        domain.check_list_costs(doubled)
    assert list(refused.value.errors) == ["costs.1.item"]
    for item in ("午餐", "工作餐费", " 用餐 "):
        with pytest.raises(Invalid):
            domain.check_list_costs({"meals": [meal], "costs": [{"item": item, "amount_yuan": 200}]})
    # counted once: the meals' cost plus the other costs
    once = {"meals": [meal], "costs": [{"item": "住宿费", "amount_yuan": 300}]}
    domain.check_list_costs(once)
    assert domain.reception_list_cost(once) == 500
    # a meal cost entered only among the costs (no meal carries one) is counted once as it is
    domain.check_list_costs({"meals": [{"meal": "lunch", "cost_yuan": 0}], "costs": [{"item": "餐费", "amount_yuan": 200}]})
    domain.check_list_costs({"costs": [{"item": "餐费", "amount_yuan": 200}]})
