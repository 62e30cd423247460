"""The trading account: its key decrypted once from a keystore v3 file, in memory only.

The password is read from an environment variable (``ARBX_KEYSTORE_PASSWORD``
unless the config names another) and dropped after decryption; neither it nor
the key is ever logged, and ``repr`` shows the address only.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils.address import to_checksum_address


class SignerError(RuntimeError):
    """The keystore cannot be opened; the message names the file or variable, never a secret."""


@dataclass(frozen=True, slots=True)
class SignedTransaction:
    tx_hash: str
    raw: bytes


class Signer:
    def __init__(self, account: LocalAccount) -> None:
        self._account = account
        self.address = account.address.lower()

    @classmethod
    def from_keystore(cls, path: Path, password_env: str = "ARBX_KEYSTORE_PASSWORD") -> Signer:
        password = os.environ.get(password_env)
        if not password:
            raise SignerError(f"{password_env} is not set: export the keystore's password")
        try:
            keystore = json.loads(Path(path).read_text())
        except FileNotFoundError:
            raise SignerError(f"{path}: no such keystore") from None
        except json.JSONDecodeError:
            raise SignerError(f"{path}: not a JSON keystore") from None
        try:
            key = Account.decrypt(keystore, password)
        except ValueError:
            raise SignerError(f"{path}: wrong password (MAC mismatch)") from None
        finally:
            del password
        return cls(Account.from_key(key))

    def sign(
        self, *, chain_id: int, nonce: int, to: str, data: bytes, gas: int, max_fee_per_gas: int,
        max_priority_fee_per_gas: int, value: int = 0,
    ) -> SignedTransaction:
        """An EIP-1559 (type 2) transaction."""
        signed = self._account.sign_transaction({
            "type": 2, "chainId": chain_id, "nonce": nonce, "to": to_checksum_address(to), "value": value,
            "data": data, "gas": gas, "maxFeePerGas": max_fee_per_gas,
            "maxPriorityFeePerGas": max_priority_fee_per_gas,
        })
        return SignedTransaction("0x" + bytes(signed.hash).hex(), bytes(signed.raw_transaction))

    def __repr__(self) -> str:
        return f"Signer({self.address})"
