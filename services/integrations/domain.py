"""The rules of webhooks as plain Python: which URLs may be called, how a body is
signed, when a failed delivery is tried again, parked, and its subscription paused."""
from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import secrets
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import eventlet

from services.kit.config import env_float
from services.kit.errors import RuleViolation

SIGNATURE_HEADER = "X-Signature"
SIGNATURE_SCHEME = "v1"


# -- outbound URLs --------------------------------------------------------------------------
class UrlRefused(Exception):
    """Why a receiver's URL may not be called."""


def host_of(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise UrlRefused("only http and https URLs are allowed")
    if not parts.hostname:
        raise UrlRefused("the URL has no host")
    if parts.username or parts.password:
        raise UrlRefused("credentials in the URL are not allowed")
    try:
        parts.port
    except ValueError:
        raise UrlRefused("the URL's port is not valid") from None
    return parts.hostname.lower()


# IPv6 prefixes whose last 32 bits are an IPv4 address: NAT64 (RFC 6052), IPv4-compatible
# (RFC 4291, deprecated) and IPv4-translated (RFC 2765)
LOW_IPV4_PREFIXES = tuple(ipaddress.ip_network(net) for net in ("64:ff9b::/96", "::/96", "::ffff:0:0:0/96"))


def embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address carries (mapped, 6to4, Teredo, NAT64, compatible,
    translated): a gateway on the way may deliver to them, so they are judged too."""
    found = [ip.ipv4_mapped, ip.sixtofour, *(ip.teredo or ())]
    if any(ip in prefix for prefix in LOW_IPV4_PREFIXES):
        found.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return [address for address in found if address is not None]


def address_is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    judged = [ip, *embedded_ipv4(ip)] if isinstance(ip, ipaddress.IPv6Address) else [ip]
    return all(each.is_global and not each.is_multicast for each in judged)


# A name server that is slow to answer must not hold the request past its RPC's timeout (3-5 s):
# a host that does not resolve within this many seconds is refused like one that does not resolve.
RESOLVE_SECONDS = env_float("INTEGRATIONS_RESOLVE_SECONDS", 1.0)


def resolve(host: str) -> list[str]:
    try:
        with eventlet.Timeout(RESOLVE_SECONDS):
            infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except eventlet.Timeout:
        raise UrlRefused(f"the URL's host did not resolve within {RESOLVE_SECONDS:g} s") from None
    except (socket.gaierror, UnicodeError):
        raise UrlRefused("the URL's host does not resolve") from None
    return sorted({info[4][0] for info in infos})


def _addresses(host: str, resolver) -> list[str]:
    addresses = resolver(host)
    if not addresses:
        raise UrlRefused("the URL's host does not resolve")
    return addresses


def _is_allowed(host: str, allowed_hosts) -> bool:
    return host in {h.lower() for h in allowed_hosts}


def _public_addresses(host: str, resolver) -> list[str]:
    addresses = _addresses(host, resolver)
    if not all(address_is_public(address) for address in addresses):
        raise UrlRefused("the URL points at a loopback, private or reserved address")
    return addresses


def check_url(url: str, allowed_hosts, resolver=resolve) -> str:
    """The URL's host when the URL may be called: http(s) only, and every address the
    host resolves to public, unless an admin allowed the host. Nothing is connected to."""
    host = host_of(url)
    if not _is_allowed(host, allowed_hosts):
        _public_addresses(host, resolver)
    return host


def address_to_send(url: str, allowed_hosts, resolver=resolve) -> tuple[str, str]:
    """(host, address) for one send: the URL checked as by ``check_url`` on one lookup, and
    the address the request must connect to, one of those checked. Connecting to the name
    instead would look it up again, and a name answering a private address the second time
    (DNS rebinding) would lead inside."""
    host = host_of(url)
    addresses = _addresses(host, resolver) if _is_allowed(host, allowed_hosts) else _public_addresses(host, resolver)
    return host, addresses[0]


def refuse_url(url: str, allowed_hosts, resolver=resolve) -> None:
    """``check_url`` as the 422 of the API."""
    try:
        check_url(url, allowed_hosts, resolver)
    except UrlRefused as exc:
        raise RuleViolation(str(exc), "integrations.url_not_allowed", {"url": [str(exc)]}) from None


# -- the body and its signature -------------------------------------------------------------
def new_secret() -> str:
    return "whsec_" + secrets.token_hex(24)


def envelope(event_id: str, event_type: str, occurred_at: datetime, payload: dict) -> bytes:
    """What a receiver gets: the event's id, type, time and payload, as JSON."""
    body = {"id": event_id, "type": event_type, "time": occurred_at.isoformat(), "payload": payload}
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str).encode()


def signature(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},{SIGNATURE_SCHEME}={digest}"


def verify(secret: str, header: str, body: bytes, now: int, tolerance: int = 300) -> bool:
    """What a receiver does: the HMAC matches and the timestamp is recent (refuses replays)."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (ValueError, KeyError):
        return False
    if abs(now - timestamp) > tolerance:
        return False
    expected = signature(secret, timestamp, body).split(",", 1)[1].split("=", 1)[1]
    return hmac.compare_digest(expected, parts.get(SIGNATURE_SCHEME, ""))


# -- retries ----------------------------------------------------------------------------------
def backoff(attempts: int, base: float, maximum: float) -> timedelta:
    """The pause after the ``attempts``-th failed attempt: base, 2 base, 4 base... at most maximum."""
    return timedelta(seconds=min(maximum, base * 2 ** max(0, attempts - 1)))


@dataclass(frozen=True)
class Outcome:
    status: str  # delivered | pending | parked
    next_attempt_at: datetime | None
    pause_subscription: bool


def after_attempt(ok: bool, created_at: datetime, now: datetime, consecutive_failures: int, settings) -> Outcome:
    """What becomes of a delivery after an attempt, and of its subscription. The backoff is the
    subscription's: it grows with the receiver's failures in a row (``consecutive_failures``
    counts this attempt), whichever delivery failed, and only a success resets it."""
    if ok:
        return Outcome("delivered", None, False)
    retry_at = now + backoff(consecutive_failures, settings.backoff_base_seconds, settings.backoff_max_seconds)
    if retry_at - created_at > timedelta(seconds=settings.retry_window_seconds):
        return Outcome("parked", None, True)
    return Outcome("pending", retry_at, consecutive_failures >= settings.pause_after_failures)


def unit_of(payload: dict) -> str | None:
    """The unit an event concerns (a visitor's is the host's unit), for subscriptions held to units."""
    for key in ("unit_code", "host_unit_code"):
        if isinstance(payload.get(key), str):
            return payload[key]
    return None


def wanted(event_types, unit_codes, event_type: str, unit_code: str | None) -> bool:
    """Does a subscription get this event?"""
    if event_type not in event_types:
        return False
    return not unit_codes or unit_code in unit_codes
