"""RSA signing keys with key ids. The first key signs; all of them verify, so a new
key can be put in front and the old one kept until the tokens it signed expire
(rotation without logging anyone out). The engine verifies with the public halves
(``python -m gateway keys engine-config`` prints its config section)."""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

ALGORITHM = "RS256"


def new_private_key_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def _b64(n: int) -> str:
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_key: rsa.RSAPrivateKey

    @property
    def public_pem(self) -> str:
        return self.private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode()

    def jwk(self) -> dict[str, Any]:
        numbers = self.private_key.public_key().public_numbers()
        return {"kty": "RSA", "use": "sig", "alg": ALGORITHM, "kid": self.kid,
                "n": _b64(numbers.n), "e": _b64(numbers.e)}


class KeyRing:
    def __init__(self, keys: list[SigningKey], *, ephemeral: bool = False) -> None:
        if not keys:
            raise ValueError("at least one signing key is needed")
        self.keys = keys
        self.ephemeral = ephemeral
        self._by_kid = {k.kid: k for k in keys}

    @classmethod
    def from_pems(cls, pems: dict[str, str], order: list[str]) -> KeyRing:
        keys = []
        for kid in order:
            key = serialization.load_pem_private_key(pems[kid].encode(), password=None)
            if not isinstance(key, rsa.RSAPrivateKey) or key.key_size < 2048:
                raise ValueError(f"signing key {kid!r}: must be an RSA key of at least 2048 bits")
            keys.append(SigningKey(kid, key))
        return cls(keys)

    @classmethod
    def ephemeral_ring(cls) -> KeyRing:
        pem = new_private_key_pem()
        kid = "ephemeral-" + secrets.token_hex(4)
        ring = cls.from_pems({kid: pem}, [kid])
        ring.ephemeral = True
        return ring

    @property
    def active(self) -> SigningKey:
        return self.keys[0]

    def get(self, kid: str) -> SigningKey | None:
        return self._by_kid.get(kid)

    def jwks(self) -> dict[str, Any]:
        return {"keys": [k.jwk() for k in self.keys]}

    def engine_config(self, issuer: str, audience: str) -> dict[str, Any]:
        """The engine's ``auth.jwt`` section that accepts this ring's tokens."""
        return {"issuer": issuer, "audience": audience, "leeway_s": 5,
                "rs256_keys": [{"kid": k.kid, "public_key_pem": k.public_pem} for k in self.keys]}
