"""Personal information at rest and in the trail: phone numbers are stored only encrypted
(SM4-GCM where OpenSSL offers it), shown masked except where one record is read, and who read a
full number is in the trail; the keys rotate; the ID-number hash may be HMAC-SM3 while older
hashes keep verifying; visitors' personal data is erased after its retention period while the
visit still counts; reading visitors and administering integrations leave entries."""
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from services.integrations.service import IntegrationsService
from services.kit import crypto, retention
from services.kit.context import Caller
from services.kit.migrate import upgrade
from services.reception import domain
from services.reception.models import Visitor
from services.reception.service import ReceptionService
from services.vehicles.service import VehiclesService
from tests.support import call_as, database_of

pytestmark = pytest.mark.integration

ADMIN = Caller("root", ("system_admin", "security_admin", "audit_admin"))  # the basic profile's first admin
AUDITOR = Caller("auditor", ("audit_admin",))
DISPATCHER = Caller("disp", ("dispatcher",))
OFFICER = Caller("officer", ("reception_officer",))
LEADER = Caller("leader", ("leader",))
PHONE = "13812345678"


@pytest.fixture(autouse=True)
def fresh_keys(monkeypatch):
    for name in ("PII_KEYS", "PII_KEY_ID", "PII_CIPHER"):
        monkeypatch.delenv(name, raising=False)
    crypto.reset_key_ring()
    yield
    crypto.reset_key_ring()


def trail(rpc, service, **query):
    return call_as(rpc, AUDITOR, service, "list_audit_entries", query)["items"]


def rows(url, sql):
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(text(sql)).all()
    finally:
        engine.dispose()


def new_driver(rpc, **extra):
    return call_as(rpc, DISPATCHER, "vehicles", "create_driver", {
        "name": "张师傅", "staff_number": uuid.uuid4().hex[:10], "licence_class": "B1",
        "licence_expires_on": "2030-01-01", "phone": PHONE, **extra})


def test_a_drivers_phone_is_unreadable_in_the_database_file_masked_in_lists_and_its_full_read_audited(
        start_service, rpc, tmp_path):
    url = f"sqlite:///{tmp_path}/vehicles.db"  # a file, to read as bytes
    upgrade("vehicles", url)
    start_service(VehiclesService, database_url=url)
    driver = new_driver(rpc)
    assert driver["phone"] == "138****5678"
    listed = call_as(rpc, DISPATCHER, "vehicles", "list_drivers", {})["items"]
    assert [item["phone"] for item in listed] == ["138****5678"]
    assert call_as(rpc, DISPATCHER, "vehicles", "get_driver", driver["id"], False)["phone"] == "138****5678"
    assert trail(rpc, "vehicles", action="read_phone") == []  # only a full number read is an entry

    assert call_as(rpc, DISPATCHER, "vehicles", "get_driver", driver["id"])["phone"] == PHONE
    (read,) = trail(rpc, "vehicles", action="read_phone")
    assert (read["actor"], read["target"], read["outcome"], read["request_id"]) == \
        ("disp", f"driver:{driver['id']}", "success", "it-req")

    call_as(rpc, DISPATCHER, "vehicles", "update_driver", driver["id"], {"phone": "13900001111"})
    changed, created = trail(rpc, "vehicles", entity="driver", entity_id=str(driver["id"]), action="update") + \
        trail(rpc, "vehicles", entity="driver", entity_id=str(driver["id"]), action="create")
    assert created["changes"]["phone"] == [None, "138****5678"]
    assert changed["changes"]["phone"] == ["138****5678", "139****1111"]  # never a whole number in the trail

    (stored,) = rows(url, "SELECT phone FROM driver")
    cipher = "sm4-gcm" if crypto.sm4_gcm_available() else "aes-256-gcm"
    assert stored[0].startswith(f"pii1:{cipher}:local:") and PHONE not in stored[0]
    for path in Path(tmp_path).glob("vehicles.db*"):  # the file and its write-ahead log
        for number in (PHONE, "13900001111", "12345678", "00001111"):
            assert number.encode() not in path.read_bytes(), (path.name, number)


def test_sm4_gcm_is_chosen_where_openssl_offers_it_and_a_changed_byte_is_refused(monkeypatch):
    assert crypto.sm4_gcm_available()  # this environment's cryptography build offers SM4 in GCM mode
    stored = crypto.encrypt(PHONE, "driver.phone")
    assert stored.startswith("pii1:sm4-gcm:") and crypto.decrypt(stored, "driver.phone") == PHONE
    with pytest.raises(Exception):  # authenticated: another column's context does not decrypt it
        crypto.decrypt(stored, "client.contact_phone")
    tampered = stored[:-6] + ("A" if stored[-6] != "A" else "B") + stored[-5:]
    with pytest.raises(Exception):
        crypto.decrypt(tampered, "driver.phone")
    monkeypatch.setenv("PII_CIPHER", "aes-256-gcm")
    crypto.reset_key_ring()
    aes = crypto.encrypt(PHONE, "driver.phone")
    assert aes.startswith("pii1:aes-256-gcm:") and crypto.decrypt(aes, "driver.phone") == PHONE
    assert crypto.decrypt(stored, "driver.phone") == PHONE  # values under the other cipher still read


def test_rotation_re_encrypts_every_phone_under_the_new_key(start_service, rpc, databases, monkeypatch, capsys):
    monkeypatch.setenv("PII_KEYS", "k2025:first-secret")
    crypto.reset_key_ring()
    url = databases.migrated_url("vehicles")
    start_service(VehiclesService, database_url=url)
    drivers = [new_driver(rpc) for _ in range(3)]
    assert all(value.startswith("pii1:") and ":k2025:" in value for (value,) in rows(url, "SELECT phone FROM driver"))

    monkeypatch.setenv("PII_KEYS", "k2026:second-secret,k2025:first-secret")  # the new key in front
    crypto.reset_key_ring()
    monkeypatch.setenv("VEHICLES_DATABASE_URL", url)
    assert crypto.main(["rotate", "vehicles"]) == 0  # the command line
    assert "vehicles: 3 values re-encrypted" in capsys.readouterr().out
    assert crypto.rotate("vehicles", url) == 0  # nothing left under the old key
    monkeypatch.setenv("PII_KEYS", "k2026:second-secret")  # the old key withdrawn
    crypto.reset_key_ring()
    assert all(":k2026:" in value for (value,) in rows(url, "SELECT phone FROM driver"))
    assert call_as(rpc, DISPATCHER, "vehicles", "get_driver", drivers[0]["id"])["phone"] == PHONE


def test_a_phone_stored_before_encryption_is_encrypted_by_the_migration(databases):
    from services.kit.migrate import alembic_config
    from alembic import command

    url = databases.new_url("vehicles")
    command.upgrade(alembic_config("vehicles", url), "0006")
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO driver (name, staff_number, licence_class, licence_expires_on, phone, "
                                "status, created_at, updated_at) VALUES ('李', 'S1', 'B1', '2030-01-01', :phone, "
                                "'active', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"), {"phone": PHONE})
    engine.dispose()
    upgrade("vehicles", url)
    ((stored,),) = rows(url, "SELECT phone FROM driver")
    assert crypto.is_encrypted(stored) and crypto.decrypt(stored, "driver.phone") == PHONE


def test_the_id_number_hash_may_be_hmac_sm3_and_the_older_hashes_keep_verifying(start_service, rpc, monkeypatch):
    container = start_service(ReceptionService)
    number = "11010519491231002X"
    register = {"name": "王五", "id_number": number, "host_name": "赵六", "host_unit_code": "U-PII",
                "purpose": "来访", "party_size": 1}
    before = call_as(rpc, OFFICER, "reception", "register_visitor", register)
    monkeypatch.setenv("KEYED_HASH_ALGORITHM", "hmac-sm3")
    after = call_as(rpc, OFFICER, "reception", "register_visitor", register)
    key = b"k"
    with database_of(container).sessionmaker() as session:
        old, new = session.get(Visitor, before["id"]), session.get(Visitor, after["id"])
        assert (old.id_number_hash_algorithm, new.id_number_hash_algorithm) == ("hmac-sha256", "hmac-sm3")
        assert old.id_number_hash != new.id_number_hash and number not in str(vars(new))
        from services.reception.visitors import id_number_key
        key = id_number_key()
        for visitor in (old, new):
            assert domain.same_id_number(number, visitor.id_number_hash, visitor.id_number_hash_algorithm, key)
            assert not domain.same_id_number("110105194912310011", visitor.id_number_hash,
                                             visitor.id_number_hash_algorithm, key)
    assert domain.hash_id_number(number, key, "hmac-sm3") == crypto.keyed_hash(number, key, "hmac-sm3")


def test_visitors_personal_data_is_erased_after_its_retention_while_the_visit_still_counts(
        start_service, rpc, databases):
    url = databases.migrated_url("reception")
    container = start_service(ReceptionService, database_url=url)
    register = {"name": "钱七", "id_number": "11010519491231002X", "company": "某公司", "host_name": "赵六",
                "host_unit_code": "U-ERASE", "purpose": "信访事项", "kind": "petitioner", "party_size": 3}
    old = call_as(rpc, OFFICER, "reception", "register_visitor", register)
    recent = call_as(rpc, OFFICER, "reception", "register_visitor", {**register, "name": "孙八"})
    long_ago = datetime.now(timezone.utc) - timedelta(days=200)
    with database_of(container).sessionmaker.begin() as session:
        session.get(Visitor, old["id"]).checked_in_at = long_ago
    query = {"from": (long_ago - timedelta(days=1)).date().isoformat(),
             "to": datetime.now(timezone.utc).date().isoformat(), "unit_code": "U-ERASE"}
    figures = call_as(rpc, LEADER, "reception", "reception_stats", query)["visitors"]
    assert figures == {"batches": 2, "persons": 6, "petitioner_batches": 2, "petitioner_persons": 6}

    assert retention.purge("reception", url=url)["visitor"] == 1  # 180 days by default
    erased = call_as(rpc, OFFICER, "reception", "get_visitor", old["id"])
    assert (erased["name"], erased["id_number"], erased["company"], erased["purpose"]) == ("", "", None, "")
    assert erased["erased_at"] and erased["party_size"] == 3 and erased["host_unit_code"] == "U-ERASE"
    ((name, masked, hashed),) = rows(url, f"SELECT name, id_number_masked, id_number_hash FROM visitor "
                                          f"WHERE id = {old['id']}")
    assert (name, masked, hashed) == ("", "", "")
    kept = call_as(rpc, OFFICER, "reception", "get_visitor", recent["id"])
    assert kept["name"] == "孙八" and kept["erased_at"] is None
    assert call_as(rpc, LEADER, "reception", "reception_stats", query)["visitors"] == figures
    assert retention.purge("reception", url=url)["visitor"] == 0


def test_reading_a_visitor_or_a_list_of_visitors_is_in_the_trail(start_service, rpc):
    start_service(ReceptionService)
    visitor = call_as(rpc, OFFICER, "reception", "register_visitor", {
        "name": "周九", "id_number": "11010519491231002X", "host_name": "赵六", "host_unit_code": "U-READ",
        "purpose": "来访"})
    call_as(rpc, LEADER, "reception", "get_visitor", visitor["id"])
    call_as(rpc, LEADER, "reception", "list_visitors", {"host_unit_code": "U-READ"})
    listed, read = trail(rpc, "reception", entity="visitor")
    assert (read["action"], read["actor"], read["target"]) == ("read", "leader", f"visitor:{visitor['id']}")
    assert (listed["action"], listed["actor"], listed["target"]) == ("list", "leader", "visitor")
    assert listed["changes"]["query"][1]["host_unit_code"] == "U-READ"
    assert trail(rpc, "reception", target=f"visitor:{visitor['id']}")[0]["id"] == read["id"]


def test_integrations_administration_is_in_the_trail(start_service, rpc):
    start_service(IntegrationsService)

    def call(method, *args):
        return call_as(rpc, ADMIN, "integrations", method, *args)

    client = call("create_client", {"name": f"bureau-{uuid.uuid4().hex[:6]}", "department": "信访局",
                                    "contact_name": "王", "contact_phone": PHONE})
    assert call("list_clients", {})["items"][0]["contact_phone"] == "138****5678"
    assert call("get_client", client["id"])["contact_phone"] == PHONE
    host = call("allow_host", {"host": "127.0.0.1"})
    subscription = call("create_subscription", {"client_id": client["id"], "url": "http://127.0.0.1:9/hook",
                                                "event_types": ["visitor_checked_in"]})
    call("update_subscription", subscription["id"], {"status": "disabled"})
    call("remove_allowed_host", host["id"])

    done = [(entry["action"], entry["target"]) for entry in reversed(trail(rpc, "integrations"))]
    assert done == [("create", f"client:{client['id']}"), ("read_phone", f"client:{client['id']}"),
                    ("allow", f"allowed_host:{host['id']}"), ("create", f"subscription:{subscription['id']}"),
                    ("update", f"subscription:{subscription['id']}"), ("remove", f"allowed_host:{host['id']}")]
    entries = {entry["action"]: entry for entry in trail(rpc, "integrations")}
    assert entries["create"]["actor"] == "root"
    assert entries["remove"]["changes"]["host"] == ["127.0.0.1", None]
    assert entries["update"]["changes"]["status"] == ["active", "disabled"]
    client_entry = trail(rpc, "integrations", target=f"client:{client['id']}", action="create")[0]
    assert client_entry["changes"]["contact_phone"] == [None, "138****5678"]  # never the full number
