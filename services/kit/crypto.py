"""Personal data at rest: one authenticated cipher for every service, keys from the environment.

    python -m services.kit.crypto rotate [owner ...]    re-encrypt under the current key
    python -m services.kit.crypto status                the cipher and keys in force

A column declared ``EncryptedString`` (a driver's phone, a client's contact phone) is stored as
``pii1:<cipher>:<key id>:<base64 of nonce | ciphertext | tag>``; the table and column name are
the additional authenticated data, so a value copied into another column does not decrypt.

- ``PII_CIPHER``: ``sm4-gcm`` (GB/T 32907 SM4 in GCM mode, through the ``cryptography`` package
  where its OpenSSL offers it) or ``aes-256-gcm``; SM4 by default where it works.
- ``PII_KEYS``: ``id:secret,id:secret``, every key that may have encrypted a stored value;
  ``PII_KEY_ID`` the one that encrypts (by default the first). A key of any length is stretched
  to the cipher's size with HKDF-SHA256. Rotation: add the new key in front, restart, run
  ``rotate``, then drop the old key. Unset, one key is generated under ``var/secrets/``
  (``secret("PII_KEY")``): for one machine only; a deployment sets ``PII_KEYS``.

A value that is not in this form (written before the column was encrypted) is read as it is and
encrypted by the next ``rotate``.
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import os
import sys
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import String
from sqlalchemy.types import TypeDecorator

PREFIX = "pii1"
NONCE_BYTES = 12
CIPHERS = ("sm4-gcm", "aes-256-gcm")


def mask_phone(phone: str | None) -> str | None:
    """``138****8000``: a number of eight or more keeps its first three and last four characters,
    a shorter one its last two."""
    if not phone:
        return phone
    if len(phone) > 7:
        return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
    return "*" * (len(phone) - 2) + phone[-2:]


@lru_cache(maxsize=1)
def sm4_gcm_available() -> bool:
    try:
        from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

        encryptor = Cipher(algorithms.SM4(b"\0" * 16), modes.GCM(b"\0" * NONCE_BYTES)).encryptor()
        encryptor.update(b"probe")
        encryptor.finalize()
        return True
    except Exception:  # no SM4 in this OpenSSL, or no GCM mode for it
        return False


@dataclass(frozen=True)
class KeyRing:
    cipher: str
    current: str
    keys: dict[str, bytes]  # key id -> the secret as given

    @classmethod
    def from_env(cls) -> "KeyRing":
        from services.kit.config import secret

        cipher = os.environ.get("PII_CIPHER") or ("sm4-gcm" if sm4_gcm_available() else "aes-256-gcm")
        if cipher not in CIPHERS:
            raise ValueError(f"PII_CIPHER must be one of {', '.join(CIPHERS)}, not {cipher}")
        if cipher == "sm4-gcm" and not sm4_gcm_available():
            raise RuntimeError("PII_CIPHER=sm4-gcm but this OpenSSL offers no SM4-GCM: choose aes-256-gcm")
        raw = os.environ.get("PII_KEYS", "")
        keys = {}
        for item in filter(None, (part.strip() for part in raw.split(","))):
            key_id, _, value = item.partition(":")
            if not key_id or not value or ":" in key_id:
                raise ValueError("PII_KEYS is id:secret[,id:secret...]")
            keys[key_id] = value.encode()
        if not keys:
            keys = {"local": secret("PII_KEY").encode()}
        current = os.environ.get("PII_KEY_ID") or next(iter(keys))
        if current not in keys:
            raise ValueError(f"PII_KEY_ID {current} is not among PII_KEYS")
        return cls(cipher, current, keys)

    def key(self, key_id: str, cipher: str) -> bytes:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.kdf.hkdf import HKDF

        if key_id not in self.keys:
            raise LookupError(f"the key {key_id} that encrypted a stored value is not in PII_KEYS")
        size = 16 if cipher == "sm4-gcm" else 32
        return HKDF(hashes.SHA256(), size, salt=None, info=f"suite-pii:{cipher}".encode()).derive(self.keys[key_id])


_ring: KeyRing | None = None


def key_ring() -> KeyRing:
    global _ring
    if _ring is None:
        _ring = KeyRing.from_env()
    return _ring


def reset_key_ring() -> None:
    """Read the environment again (tests, and a process told of new keys)."""
    global _ring
    _ring = None


def _algorithm(cipher: str, key: bytes):
    from cryptography.hazmat.primitives.ciphers import algorithms

    return algorithms.SM4(key) if cipher == "sm4-gcm" else algorithms.AES(key)


def encrypt(plain: str, context: str, ring: KeyRing | None = None) -> str:
    from cryptography.hazmat.primitives.ciphers import Cipher, modes

    ring = ring or key_ring()
    nonce = os.urandom(NONCE_BYTES)
    encryptor = Cipher(_algorithm(ring.cipher, ring.key(ring.current, ring.cipher)), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(context.encode())
    body = encryptor.update(plain.encode()) + encryptor.finalize()
    blob = base64.urlsafe_b64encode(nonce + body + encryptor.tag).decode().rstrip("=")
    return f"{PREFIX}:{ring.cipher}:{ring.current}:{blob}"


def is_encrypted(stored: str | None) -> bool:
    return bool(stored) and stored.startswith(PREFIX + ":")


def decrypt(stored: str, context: str, ring: KeyRing | None = None) -> str:
    from cryptography.hazmat.primitives.ciphers import Cipher, modes

    if not is_encrypted(stored):
        return stored  # written before the column was encrypted: ``rotate`` encrypts it
    ring = ring or key_ring()
    _, cipher, key_id, blob = stored.split(":", 3)
    raw = base64.urlsafe_b64decode(blob + "=" * (-len(blob) % 4))
    nonce, body, tag = raw[:NONCE_BYTES], raw[NONCE_BYTES:-16], raw[-16:]
    decryptor = Cipher(_algorithm(cipher, ring.key(key_id, cipher)), modes.GCM(nonce, tag)).decryptor()
    decryptor.authenticate_additional_data(context.encode())
    return (decryptor.update(body) + decryptor.finalize()).decode()


def is_current(stored: str | None, ring: KeyRing | None = None) -> bool:
    ring = ring or key_ring()
    return stored is None or stored.startswith(f"{PREFIX}:{ring.cipher}:{ring.current}:")


class EncryptedString(TypeDecorator):
    """A text column stored encrypted (``context``: ``table.column``, bound into each value).
    ``length`` is the plain text's; the column holds the longer envelope."""

    impl = String
    cache_ok = True

    def __init__(self, length: int, context: str):
        super().__init__(length=stored_length(length))
        self.context = context

    def process_bind_param(self, value, dialect):
        return None if value is None else encrypt(value, self.context)

    def process_result_value(self, value, dialect):
        return None if value is None else decrypt(value, self.context)


def stored_length(plain_length: int) -> int:
    """The column size an envelope of ``plain_length`` characters (UTF-8, up to 4 bytes each) needs."""
    body = NONCE_BYTES + 4 * plain_length + 16
    return len(PREFIX) + len("aes-256-gcm") + 40 + (body * 4 + 2) // 3 + 3


# rotation ----------------------------------------------------------------------------------
def encrypted_columns(metadata) -> list[tuple[str, str, str, str]]:
    """(table, primary key column, column, context) of every ``EncryptedString`` in ``metadata``."""
    found = []
    for table in metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, EncryptedString):
                (primary,) = [key.name for key in table.primary_key.columns]
                found.append((table.name, primary, column.name, column.type.context))
    return found


def metadata_of(owner: str):
    import importlib

    return importlib.import_module("gateway.models" if owner == "gateway" else f"services.{owner}.models").Base.metadata


def rotate(owner: str, url: str | None = None, ring: KeyRing | None = None) -> int:
    """Re-encrypts, under the current cipher and key, every encrypted value of ``owner`` that is
    not (and encrypts the values stored plain before); returns how many changed."""
    from sqlalchemy import create_engine

    from services.kit.config import database_url

    engine = create_engine(url or database_url(owner))
    changed = 0
    try:
        for table, primary, column, context in encrypted_columns(metadata_of(owner)):
            with engine.begin() as connection:
                changed += encrypt_column(connection, table, primary, column, context, ring)
    finally:
        engine.dispose()
    return changed


def encrypt_column(connection, table: str, primary: str, column: str, context: str,
                   ring: KeyRing | None = None) -> int:
    """Brings every value of one column under the current cipher and key (a migration's step
    too, for the values stored plain before); returns how many changed."""
    from sqlalchemy import text

    ring = ring or key_ring()
    changed = 0
    rows = connection.execute(text(f"SELECT {primary}, {column} FROM {table} WHERE {column} IS NOT NULL")).all()
    for key, stored in rows:
        if is_current(stored, ring):
            continue
        connection.execute(text(f"UPDATE {table} SET {column} = :value WHERE {primary} = :key"),
                           {"value": encrypt(decrypt(stored, context, ring), context, ring), "key": key})
        changed += 1
    return changed


def keyed_hash(value: str, key: bytes, algorithm: str) -> str:
    """HMAC of ``value``: ``hmac-sha256`` or ``hmac-sm3`` (GB/T 32905), as hex."""
    import hmac

    name = {"hmac-sha256": "sha256", "hmac-sm3": "sm3"}[algorithm]
    return hmac.new(key, value.encode(), lambda: hashlib.new(name)).hexdigest()


def keyed_hash_algorithm() -> str:
    """``KEYED_HASH_ALGORITHM``: hmac-sm3 or hmac-sha256 (the default, as every hash so far)."""
    chosen = os.environ.get("KEYED_HASH_ALGORITHM") or "hmac-sha256"
    if chosen not in ("hmac-sha256", "hmac-sm3"):
        raise ValueError(f"KEYED_HASH_ALGORITHM must be hmac-sm3 or hmac-sha256, not {chosen}")
    return chosen


def main(argv: list[str] | None = None) -> int:
    from services.kit.migrate import OWNERS

    parser = argparse.ArgumentParser(prog="python -m services.kit.crypto",
                                     description="Personal data at rest: the cipher, the keys, rotation.")
    commands = parser.add_subparsers(dest="command", required=True)
    turn = commands.add_parser("rotate", help="re-encrypt every value under PII_KEY_ID and PII_CIPHER")
    turn.add_argument("owners", nargs="*", metavar="owner")
    commands.add_parser("status", help="the cipher and the keys in force")
    args = parser.parse_args(argv)
    ring = key_ring()
    if args.command == "status":
        print(f"cipher {ring.cipher} (SM4-GCM {'available' if sm4_gcm_available() else 'not available'}); "
              f"encrypting key {ring.current}; keys {', '.join(ring.keys)}")
        return 0
    for owner in args.owners or OWNERS:
        if owner not in OWNERS:
            parser.error(f"unknown owner {owner}")
        if encrypted_columns(metadata_of(owner)):
            print(f"{owner}: {rotate(owner, ring=ring)} values re-encrypted under {ring.cipher}/{ring.current}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
