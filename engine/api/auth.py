"""Who may call what: bearer tokens (API keys or JWTs) and the role each RPC needs.

Metadata ``authorization: Bearer <token>``. A token with two dots is a JWT
(HS256 with the shared secret, or RS256 with a public key picked by the
header's ``kid``; claims ``sub``, ``role``, ``exp`` required, ``iss`` / ``aud``
checked when configured): the gateway mints these for its users. Anything
else is an API key, looked up by its sha256 among the configured hashes.
Roles are ordered viewer < trader < admin.

A verified JWT is remembered until its ``exp`` (bounded cache): the gateway
sends the same token for a caller for minutes, and an RS256 check per call
was most of the engine's CPU per proxied request.
"""

from __future__ import annotations

import contextvars
import hashlib
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import jwt

from engine.config import AuthConfig, Role

ROLE_RANK: dict[str, int] = {"viewer": 1, "trader": 2, "admin": 3}
VERIFIED_CACHE_SIZE = 10_000

_SERVICE = "/arbitrage.v1.EngineService/"

# The one place the role of every RPC is decided. A method of the service
# missing here needs admin (tests check that every RPC is listed).
RPC_ROLES: dict[str, Role] = {
    _SERVICE + "GetStatus": "viewer",
    _SERVICE + "ListTokens": "viewer",
    _SERVICE + "ListPools": "viewer",
    _SERVICE + "Quote": "viewer",
    _SERVICE + "BestRoute": "viewer",
    _SERVICE + "StreamPrices": "viewer",
    _SERVICE + "StreamOpportunities": "viewer",
    _SERVICE + "ListOpportunities": "viewer",
    _SERVICE + "GetConfig": "admin",
    _SERVICE + "GetStats": "viewer",
    _SERVICE + "SimulateOpportunity": "trader",
    _SERVICE + "ExecuteOpportunity": "trader",
    _SERVICE + "GetTrade": "viewer",
    _SERVICE + "ListTrades": "viewer",
    _SERVICE + "StreamTrades": "viewer",
    _SERVICE + "SetMode": "admin",
    _SERVICE + "SetRiskLimits": "admin",
    _SERVICE + "GetRiskLimits": "viewer",
    _SERVICE + "Predict": "viewer",
    _SERVICE + "StreamPredictions": "viewer",
}

# Standard services open to anyone (load balancers' probes, grpcurl).
PUBLIC_PREFIXES = (
    "/grpc.health.v1.Health/",
    "/grpc.reflection.v1alpha.ServerReflection/",
    "/grpc.reflection.v1.ServerReflection/",
)


def required_role(method: str) -> Role | None:
    """The role ``method`` needs; None for the public standard services."""
    if method.startswith(PUBLIC_PREFIXES):
        return None
    return RPC_ROLES.get(method, "admin")


@dataclass(frozen=True, slots=True)
class Principal:
    subject: str
    role: Role
    via: Literal["api_key", "jwt", "anonymous"]

    def may(self, role: Role) -> bool:
        return ROLE_RANK[self.role] >= ROLE_RANK[role]


# The caller of the RPC being handled (set by the interceptor).
current_principal: contextvars.ContextVar[Principal | None] = contextvars.ContextVar(
    "current_principal", default=None
)


class AuthError(Exception):
    """UNAUTHENTICATED: no token, or a token that is not valid."""


class Authenticator:
    def __init__(self, config: AuthConfig) -> None:
        self.enabled = config.enabled
        self._keys = {k.sha256: (k.name, k.role) for k in config.api_keys}
        jwt_config = config.jwt
        self._hs256 = (
            jwt_config.hs256_secret.get_secret_value().encode() if jwt_config.hs256_secret else None
        )
        self._rs256: dict[str, str] = {k.kid: k.pem() for k in jwt_config.rs256_keys}
        self._issuer = jwt_config.issuer
        self._audience = jwt_config.audience
        self._leeway = jwt_config.leeway_s
        # token -> (principal, exp): verified JWTs, valid until exp
        self._verified: dict[str, tuple[Principal, float]] = {}

    def authenticate(self, metadata: Sequence[tuple[str, str | bytes]] | None) -> Principal:
        if not self.enabled:
            return Principal("anonymous", "admin", "anonymous")
        values = [v for k, v in (metadata or ()) if k == "authorization"]
        if not values:
            raise AuthError("missing authorization metadata (Bearer token)")
        value = values[0].decode() if isinstance(values[0], bytes) else values[0]
        scheme, _, token = value.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthError("authorization must be 'Bearer <token>'")
        token = token.strip()
        if token.count(".") == 2:
            return self._jwt(token)
        return self._api_key(token)

    def _api_key(self, token: str) -> Principal:
        found = self._keys.get(hashlib.sha256(token.encode()).hexdigest())
        if found is None:
            raise AuthError("unknown API key")
        name, role = found
        return Principal(name, role, "api_key")

    def _jwt(self, token: str) -> Principal:
        now = time.time()
        cached = self._verified.get(token)
        if cached is not None:
            if now < cached[1]:
                return cached[0]
            del self._verified[token]
        principal, exp = self._verify_jwt(token)
        if len(self._verified) >= VERIFIED_CACHE_SIZE:
            self._verified = {t: v for t, v in self._verified.items() if now < v[1]}
            if len(self._verified) >= VERIFIED_CACHE_SIZE:
                self._verified.clear()
        self._verified[token] = (principal, exp)
        return principal

    def _verify_jwt(self, token: str) -> tuple[Principal, float]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise AuthError("malformed JWT") from None
        alg = header.get("alg")
        key: Any
        if alg == "HS256" and self._hs256 is not None:
            key = self._hs256
        elif alg == "RS256" and self._rs256:
            key = self._rs256.get(str(header.get("kid")))
            if key is None:
                raise AuthError("JWT signed with an unknown key id")
        else:
            raise AuthError(f"JWT algorithm {alg!r} is not accepted")
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[alg],
                issuer=self._issuer,
                audience=self._audience,
                leeway=self._leeway,
                options={"require": ["exp", "sub", "role"], "verify_aud": self._audience is not None},
            )
        except jwt.ExpiredSignatureError:
            raise AuthError("JWT expired") from None
        except jwt.PyJWTError as exc:
            raise AuthError(f"invalid JWT: {exc}") from None
        role = claims.get("role")
        if role not in ROLE_RANK:
            raise AuthError(f"JWT role {role!r} is not one of viewer, trader, admin")
        return Principal(str(claims["sub"]), role, "jwt"), float(claims["exp"])
