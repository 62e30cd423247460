"""Rotating refresh tokens. A login starts a session (a token family); each refresh
spends the presented token and returns a new one of the same family. Presenting a
spent token again means it was copied: the whole family is revoked (the thief's and
the user's copies alike) and the event is audited. Access tokens carry the family
as ``sid``; a revoked family's access tokens are refused at once, not at expiry."""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass

from gateway.config import TokenConfig
from gateway.store import Database, RefreshRow, UserRow

PREFIX = "rt_"


class RefreshError(Exception):
    """The refresh token is unknown, expired, revoked, or was reused."""

    def __init__(self, message: str, *, reuse: bool = False, user_id: int | None = None) -> None:
        super().__init__(message)
        self.reuse = reuse
        self.user_id = user_id


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class IssuedRefresh:
    token: str
    session_id: str
    expires_at: float


class SessionStore:
    def __init__(self, db: Database, config: TokenConfig) -> None:
        self.db = db
        self.config = config
        self._revoked: set[str] = set()

    async def load(self) -> None:
        horizon = time.time() - self.config.access_ttl_s - self.config.leeway_s - 60
        self._revoked = await self.db.call(self.db.revoked_families, horizon)

    def is_revoked(self, session_id: str | None) -> bool:
        return session_id is not None and session_id in self._revoked

    def _row(self, user_id: int, family_id: str, ip: str | None,
             user_agent: str | None) -> tuple[str, RefreshRow]:
        row_id = secrets.token_urlsafe(9)
        token = f"{PREFIX}{row_id}.{secrets.token_urlsafe(32)}"
        now = time.time()
        return token, RefreshRow(row_id, family_id, user_id, _hash(token), now,
                                 now + self.config.refresh_ttl_s, None, None, None, ip,
                                 (user_agent or "")[:200] or None)

    async def start(self, user: UserRow, ip: str | None, user_agent: str | None) -> IssuedRefresh:
        family = secrets.token_urlsafe(12)
        token, row = self._row(user.id, family, ip, user_agent)
        await self.db.call(self.db.insert_refresh, row)
        return IssuedRefresh(token, family, row.expires_at)

    async def rotate(self, token: str, ip: str | None,
                     user_agent: str | None) -> tuple[IssuedRefresh, int]:
        """Spend ``token``; the new token and the user id. Raises RefreshError."""
        if not token.startswith(PREFIX):
            raise RefreshError("not a refresh token")
        row = await self.db.call(self.db.refresh_by_hash, _hash(token))
        if row is None:
            raise RefreshError("unknown refresh token")
        if row.revoked_at is not None:
            raise RefreshError("refresh token revoked", user_id=row.user_id)
        if row.used_at is not None:
            await self.revoke(row.family_id, "reuse detected")
            raise RefreshError("refresh token reuse detected; the session is revoked",
                               reuse=True, user_id=row.user_id)
        if row.expires_at <= time.time():
            raise RefreshError("refresh token expired", user_id=row.user_id)
        new_token, new_row = self._row(row.user_id, row.family_id, ip, user_agent)
        if not await self.db.call(self.db.rotate_refresh, row.id, new_row):
            # spent by a concurrent request between the read and the write: also a reuse
            await self.revoke(row.family_id, "reuse detected")
            raise RefreshError("refresh token reuse detected; the session is revoked",
                               reuse=True, user_id=row.user_id)
        return IssuedRefresh(new_token, row.family_id, new_row.expires_at), row.user_id

    async def family_of(self, token: str) -> RefreshRow | None:
        return await self.db.call(self.db.refresh_by_hash, _hash(token))

    async def revoke(self, family_id: str, reason: str) -> None:
        self._revoked.add(family_id)
        await self.db.call(self.db.revoke_family, family_id, reason)

    async def revoke_user(self, user_id: int, reason: str) -> list[str]:
        families = await self.db.call(self.db.revoke_user_families, user_id, reason)
        self._revoked.update(families)
        return families
