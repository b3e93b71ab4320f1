import logging

import pytest

from services.kit.context import ADMIN_ROLES, AUDIT_ADMIN, AUDIT_READERS, SECURITY_ADMIN, SYSTEM_ADMIN, Caller, ContextFilter, current_request_id
from services.kit.errors import Forbidden, NotFound, RuleViolation

UNIT = Caller("clerk", ("unit_user",), "U1")
DISPATCHER = Caller("d", ("dispatcher",))
ADMIN = Caller("root", ADMIN_ROLES)


def test_the_caller_survives_the_wire():
    assert Caller.from_wire(UNIT.to_wire()) == UNIT
    assert Caller.from_wire(None) is None


def test_a_unit_user_lists_only_its_own_unit():
    assert UNIT.unit_filter(None) == "U1" and UNIT.unit_filter("U1") == "U1"
    assert DISPATCHER.unit_filter("U2") == "U2" and DISPATCHER.unit_filter(None) is None


def test_a_unit_user_asking_for_another_unit_is_answered_not_found():
    """Never a silent swap for its own unit's figures (API.md: another unit's data is 404)."""
    with pytest.raises(NotFound):
        UNIT.unit_filter("U2")


def test_another_units_record_is_not_found_for_a_unit_user():
    UNIT.check_visible("U1")
    DISPATCHER.check_visible("U2")
    with pytest.raises(NotFound):
        UNIT.check_visible("U2")


def test_a_unit_user_writes_only_for_its_unit():
    assert UNIT.unit_for_write(None) == "U1"
    with pytest.raises(Forbidden):
        UNIT.unit_for_write("U2")


def test_staff_name_the_unit_of_a_record_kept_for_one_and_a_rule_says_so_when_they_do_not():
    assert UNIT.unit_for_write(None, required=True) == "U1"
    assert DISPATCHER.unit_for_write("U2", required=True) == "U2"
    assert DISPATCHER.unit_for_write(None) is None  # records kept for the center as a whole
    with pytest.raises(RuleViolation) as refused:  # a well-formed request: 422, not 400
        DISPATCHER.unit_for_write(None, required=True)
    assert refused.value.rule == "unit_required" and refused.value.errors == {"unit_code": ["required"]}


def test_roles_are_required_and_admin_passes_every_check():
    DISPATCHER.require("dispatcher")
    ADMIN.require("dispatcher")
    with pytest.raises(Forbidden):
        UNIT.require("dispatcher")


SYSTEM = Caller("sys", (SYSTEM_ADMIN,))
SECURITY = Caller("sec", (SECURITY_ADMIN,))
AUDITOR = Caller("aud", (AUDIT_ADMIN,))


def test_the_system_administrator_passes_the_business_gates_but_not_the_security_or_audit_administrators():
    """三员分立: the system administrator keeps the registers as the one admin did, never the keys or the trail."""
    SYSTEM.require("dispatcher")
    SYSTEM.require(SYSTEM_ADMIN)
    for duty in (SECURITY_ADMIN, AUDIT_ADMIN):
        with pytest.raises(Forbidden):
            SYSTEM.require(duty)


def test_the_security_and_audit_administrators_pass_only_their_own_gates():
    SECURITY.require(SECURITY_ADMIN)
    AUDITOR.require(*AUDIT_READERS)
    for caller, others in ((SECURITY, (SYSTEM_ADMIN, AUDIT_ADMIN, "dispatcher", "leader")),
                           (AUDITOR, (SYSTEM_ADMIN, SECURITY_ADMIN, "dispatcher", "leader"))):
        for role in others:
            with pytest.raises(Forbidden):
                caller.require(role)


def test_a_leader_reads_the_figures_but_not_the_audit_trail():
    leader = Caller("chief", ("leader",))
    leader.require("leader")
    with pytest.raises(Forbidden):
        leader.require(*AUDIT_READERS)


def test_log_records_carry_the_request_id():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "m", None, None)
    token = current_request_id.set("req-42")
    try:
        ContextFilter("vehicles").filter(record)
    finally:
        current_request_id.reset(token)
    assert record.request_id == "req-42" and record.service == "vehicles"


def test_json_log_lines_carry_service_request_id_caller_and_outcome(capsys, monkeypatch):
    import json

    from services.kit.context import current_caller_name, setup_logging

    monkeypatch.setenv("LOG_FORMAT", "json")
    setup_logging("energy", "INFO")
    request_token = current_request_id.set("req-json")
    caller_token = current_caller_name.set("ana")
    try:
        logging.getLogger("services.energy").info("rpc x ok", extra={"outcome": "ok"})
    finally:
        current_request_id.reset(request_token)
        current_caller_name.reset(caller_token)
        logging.getLogger().handlers.clear()
    line = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert {k: line[k] for k in ("service", "request_id", "caller", "outcome", "message", "level")} == {
        "service": "energy", "request_id": "req-json", "caller": "ana", "outcome": "ok",
        "message": "rpc x ok", "level": "INFO"}


@pytest.mark.parametrize("log_format", ["json", "text"])
def test_control_characters_in_logged_values_cannot_forge_a_line(capsys, monkeypatch, log_format):
    from services.kit.context import setup_logging

    monkeypatch.setenv("LOG_FORMAT", log_format)
    setup_logging("vehicles", "INFO")
    try:
        logging.getLogger("services.vehicles").info("plate %s refused", "A1\n2026 ERROR forged\u2028\x85\x1b[2J",
                                                    extra={"route": "/x\r\ny"})
    finally:
        logging.getLogger().handlers.clear()
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1
    text = lines[0].replace("\\\\", "\\")  # JSON writes each backslash of an escape twice
    assert "A1\\n2026 ERROR forged\\u2028\\x85\\x1b[2J refused" in text
    assert log_format == "text" or "/x\\r\\ny" in text
