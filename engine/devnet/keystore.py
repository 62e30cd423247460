"""The trading account: a private key kept only in an encrypted keystore (v3).

The password comes from ``ARBX_KEYSTORE_PASSWORD``; the devnet's well-known
default is used only when a caller asks for it explicitly (``--dev-password``).
Neither the key nor the password is ever printed or logged.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

from eth_account import Account
from eth_utils.address import to_checksum_address

PASSWORD_ENV = "ARBX_KEYSTORE_PASSWORD"
# Public on purpose: it protects a key that only ever holds devnet ether.
DEV_PASSWORD = "arbx-devnet-only"


class KeystoreError(RuntimeError):
    pass


def password_from_env(allow_dev_default: bool = False) -> str:
    password = os.environ.get(PASSWORD_ENV)
    if password:
        return password
    if allow_dev_default:
        return DEV_PASSWORD
    raise KeystoreError(
        f"{PASSWORD_ENV} is not set: export the keystore password "
        "(or pass --dev-password to use the devnet's public default)"
    )


def create(path: Path, password: str) -> str:
    """A fresh random key, encrypted to ``path`` (mode 0600); returns its address."""
    account = Account.from_key(secrets.token_bytes(32))
    keystore = Account.encrypt(account.key, password)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(keystore, f)
    return str(account.address)


def address_of(path: Path) -> str:
    """The address recorded in the keystore (no password needed)."""
    raw = json.loads(path.read_text())
    if "address" not in raw:
        raise KeystoreError(f"{path}: keystore has no address field")
    return str(to_checksum_address("0x" + str(raw["address"]).removeprefix("0x")))


def decrypt(path: Path, password: str) -> bytes:
    """The private key; a wrong password raises :class:`KeystoreError` naming the file."""
    try:
        return bytes(Account.decrypt(json.loads(path.read_text()), password))
    except ValueError:
        raise KeystoreError(f"{path}: wrong password (MAC mismatch)") from None


def ensure(path: Path, password: str) -> str:
    """Reuses the keystore at ``path`` (checking the password) or creates one; its address."""
    if path.exists():
        key = decrypt(path, password)
        return str(Account.from_key(key).address)
    return create(path, password)
