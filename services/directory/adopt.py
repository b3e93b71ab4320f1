"""Bringing databases that hold free-text unit codes onto the register.

``python -m services.directory.adopt list`` asks each service over RPC for the unit codes its
records carry (``unit_codes_in_use``, with counts) and prints those the register does not know,
service by service; a service that does not answer is named as such.
``python -m services.directory.adopt register CODE NAME KIND`` registers a code found that way.
Mapping a wrong code onto a registered one rewrites records in their owner's database, which
needs each service's own ``adopt_unit_code`` call: the next step (docs/units.md).
"""
from __future__ import annotations

import sys

from services.kit.config import SERVICES, amqp_uri, rpc_timeout
from services.kit.context import Caller
from services.kit.rpc_client import RpcClient

CALLER = Caller.system("adopt")
HOLDERS = tuple(service for service in SERVICES if service not in ("directory", "integrations"))


def unknown_codes(in_use: dict[str, list[dict]], registered: set[str]) -> dict[str, list[dict]]:
    """Per service, the codes in use that the register lacks, most records first."""
    return {service: sorted((entry for entry in codes if entry["unit_code"] not in registered),
                            key=lambda entry: (-entry["records"], entry["unit_code"]))
            for service, codes in in_use.items()}


def _call(client, service, method, *args):
    return client.call(service, method, *args, context={"caller": CALLER.to_wire(), "request_id": "adopt"})


def registered_codes(client) -> set[str]:
    codes, offset = set(), 0
    while True:
        page = _call(client, "directory", "list_units", {"limit": 500, "offset": offset})
        codes |= {unit["code"] for unit in page["items"]}
        offset += 500
        if offset >= page["total"]:
            return codes


def report(client, services=HOLDERS) -> tuple[dict, list[str]]:
    """The codes in use the register lacks, per service, and the services that did not answer."""
    in_use, silent = {}, []
    for service in services:
        try:
            in_use[service] = _call(client, service, "unit_codes_in_use")["codes"]
        except Exception as exc:  # a service without the call yet, or down
            silent.append(f"{service}: {type(exc).__name__}")
    return unknown_codes(in_use, registered_codes(client)), silent


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("list", "register"):
        print(__doc__)
        return 2
    client = RpcClient(amqp_uri(), timeout=rpc_timeout(), name="adopt").start()
    try:
        if argv[0] == "register":
            code, name, kind = argv[1:4]
            unit = _call(client, "directory", "create_unit", {"code": code, "name": name, "kind": kind})
            print(f"registered {unit['code']} {unit['name']}")
            return 0
        unknown, silent = report(client)
        for service, codes in unknown.items():
            for entry in codes:
                print(f"{service}\t{entry['unit_code']}\t{entry['records']}")
        for line in silent:
            print(f"not answered: {line}", file=sys.stderr)
        return 0
    finally:
        client.stop()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
