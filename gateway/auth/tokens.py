"""JWT access tokens: RS256, ``kid`` in the header, claims iss, aud, sub, role, exp,
iat, jti, and ``sid`` (the refresh-token family) for users. The engine's gRPC auth
accepts them as they are (engine/api/auth.py: same issuer, audience, RS256, kid).

The gateway calls the engine as the caller: each call carries a short-lived token
minted for the caller's subject and role (cached until close to its expiry), so
the engine enforces roles a second time and its logs name the real caller.

A verified access token's claims are kept (keyed by the token itself) until it
expires: a dashboard sends the same token with every request for minutes, and its
RS256 check and claim validation took ~0.1 ms each time (an eighth of the gateway's
CPU for a request answered from shared reads).
Revocation is not decided here: AuthService checks the session on every request."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import Any

import jwt

from gateway.auth.keys import ALGORITHM, KeyRing
from gateway.auth.roles import ROLE_RANK
from gateway.config import TokenConfig

ENGINE_TOKEN_TTL_S = 120
MAX_VERIFIED = 10_000  # tokens whose claims are kept (~100 bytes each, plus the token)


class TokenError(Exception):
    """The token is missing, malformed, expired or not ours."""


@dataclass(frozen=True, slots=True)
class AccessClaims:
    sub: str
    role: str
    exp: int
    sid: str | None
    uid: int | None


class TokenIssuer:
    def __init__(self, config: TokenConfig, ring: KeyRing) -> None:
        self.config = config
        self.ring = ring
        self._engine_tokens: dict[tuple[str, str], tuple[str, float]] = {}
        self._verified: dict[str, AccessClaims] = {}

    def mint(self, sub: str, role: str, ttl_s: int, **extra: Any) -> tuple[str, int]:
        now = int(time.time())
        exp = now + ttl_s
        claims = {"iss": self.config.issuer, "aud": self.config.audience, "sub": sub,
                  "role": role, "iat": now, "nbf": now, "exp": exp,
                  "jti": secrets.token_urlsafe(12), **extra}
        key = self.ring.active
        token = jwt.encode(claims, key.private_key, algorithm=ALGORITHM, headers={"kid": key.kid})
        return token, exp

    def access_token(self, user_id: int, role: str, session_id: str) -> tuple[str, int]:
        return self.mint(f"user:{user_id}", role, self.config.access_ttl_s, sid=session_id,
                         uid=user_id)

    def engine_token(self, sub: str, role: str) -> str:
        """A token for calling the engine as ``sub``; reused until 30 s before expiry."""
        cached = self._engine_tokens.get((sub, role))
        now = time.time()
        if cached is not None and cached[1] - now > 30:
            return cached[0]
        token, exp = self.mint(sub, role, ENGINE_TOKEN_TTL_S)
        if len(self._engine_tokens) > 10_000:
            self._engine_tokens.clear()
        self._engine_tokens[(sub, role)] = (token, exp)
        return token

    def verify(self, token: str) -> AccessClaims:
        claims = self._verified.get(token)
        # the same bound as jwt.decode's exp check
        if claims is not None and time.time() <= claims.exp + self.config.leeway_s:
            return claims
        claims = self._verify(token)
        if len(self._verified) >= MAX_VERIFIED:
            now = time.time()
            self._verified = {t: c for t, c in self._verified.items()
                              if now <= c.exp + self.config.leeway_s}
            if len(self._verified) >= MAX_VERIFIED:
                self._verified.clear()
        self._verified[token] = claims
        return claims

    def _verify(self, token: str) -> AccessClaims:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise TokenError("malformed token") from None
        if header.get("alg") != ALGORITHM:
            raise TokenError(f"algorithm {header.get('alg')!r} is not accepted")
        key = self.ring.get(str(header.get("kid")))
        if key is None:
            raise TokenError("token signed with an unknown key id")
        try:
            claims = jwt.decode(
                token, key.private_key.public_key(), algorithms=[ALGORITHM],
                issuer=self.config.issuer, audience=self.config.audience,
                leeway=self.config.leeway_s,
                options={"require": ["exp", "sub", "role", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError:
            raise TokenError("token expired") from None
        except jwt.PyJWTError as exc:
            raise TokenError(f"invalid token: {exc}") from None
        if claims.get("role") not in ROLE_RANK:
            raise TokenError("token role is not one of viewer, trader, admin")
        uid = claims.get("uid")
        return AccessClaims(str(claims["sub"]), claims["role"], int(claims["exp"]),
                            claims.get("sid"), uid if isinstance(uid, int) else None)
