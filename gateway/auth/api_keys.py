"""API keys for programs: ``arbx_<id>_<secret>``, shown once at creation, stored as
sha256 hex (the keys are 256-bit random, so a plain hash is enough, and it is the
form the engine's config takes), scoped to a role no higher than the owner's,
revocable. Last use is recorded in memory and written at most once a minute per key."""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass

from gateway.store import ApiKeyRow, Database

PREFIX = "arbx_"


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def looks_like_api_key(token: str) -> bool:
    return token.startswith(PREFIX)


@dataclass(frozen=True, slots=True)
class CreatedKey:
    key: str
    row: ApiKeyRow


class ApiKeyStore:
    def __init__(self, db: Database, last_used_resolution_s: int) -> None:
        self.db = db
        self.resolution = last_used_resolution_s
        self._active: dict[str, ApiKeyRow] = {}  # key_hash -> row
        self._last_used: dict[str, float] = {}  # key id -> time, pending write
        self._written: dict[str, float] = {}

    async def load(self) -> None:
        rows = await self.db.call(lambda: self.db.api_keys(active_only=True))
        self._active = {r.key_hash: r for r in rows}

    async def create(self, user_id: int, name: str, role: str,
                     expires_in_days: int | None) -> CreatedKey:
        key_id = secrets.token_hex(4)
        key = f"{PREFIX}{key_id}_{secrets.token_urlsafe(32)}"
        now = time.time()
        row = ApiKeyRow(key_id, user_id, name, role, f"{PREFIX}{key_id}", hash_key(key), now,
                        now + expires_in_days * 86_400 if expires_in_days else None, None, None)
        await self.db.call(self.db.insert_api_key, row)
        self._active[row.key_hash] = row
        return CreatedKey(key, row)

    def authenticate(self, key: str) -> ApiKeyRow | None:
        row = self._active.get(hash_key(key))
        if row is None or (row.expires_at is not None and row.expires_at <= time.time()):
            return None
        self._last_used[row.id] = time.time()
        return row

    async def revoke(self, key_id: str) -> bool:
        done = await self.db.call(self.db.revoke_api_key, key_id)
        self._active = {h: r for h, r in self._active.items() if r.id != key_id}
        return done

    async def revoke_user(self, user_id: int) -> None:
        for row in [r for r in self._active.values() if r.user_id == user_id]:
            await self.revoke(row.id)

    def last_used(self, key_id: str) -> float | None:
        return self._last_used.get(key_id)

    async def flush(self, force: bool = False) -> None:
        now = time.time()
        due = {k: t for k, t in self._last_used.items()
               if force or now - self._written.get(k, 0) >= self.resolution}
        due = {k: t for k, t in due.items() if self._written.get(k) != t}
        if due:
            await self.db.call(self.db.touch_api_keys, due)
            self._written.update(due)
