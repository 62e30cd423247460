"""Database: every statement runs on one worker thread (``await db.call(fn, ...)``),
so the event loop never blocks on SQLite and writes are serialized."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from gateway.store.schema import SCHEMA, VERSION

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class UserRow:
    id: int
    provider: str
    subject: str
    email: str | None
    login: str | None
    name: str | None
    role: str
    disabled: bool
    created_at: float
    last_login_at: float | None


@dataclass(frozen=True, slots=True)
class RefreshRow:
    id: str
    family_id: str
    user_id: int
    token_hash: str
    created_at: float
    expires_at: float
    used_at: float | None
    revoked_at: float | None
    revoked_reason: str | None
    ip: str | None
    user_agent: str | None


@dataclass(frozen=True, slots=True)
class ApiKeyRow:
    id: str
    user_id: int
    name: str
    role: str
    prefix: str
    key_hash: str
    created_at: float
    expires_at: float | None
    last_used_at: float | None
    revoked_at: float | None


@dataclass(frozen=True, slots=True)
class AuditRow:
    id: int
    ts: float
    actor: str
    action: str
    target: str | None
    ip: str | None
    detail: dict[str, Any] | None


class Database:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gateway-db")
        self._conn = self._executor.submit(self._open, path).result()

    @staticmethod
    def _open(path: Path) -> sqlite3.Connection:
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.executescript(SCHEMA)
        conn.execute(f"PRAGMA user_version={VERSION}")
        return conn

    async def call(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    def close(self) -> None:
        self._executor.submit(self._conn.close).result()
        self._executor.shutdown(wait=True)

    def ping(self) -> bool:
        return self._conn.execute("SELECT 1").fetchone() == (1,)

    # --- users -----------------------------------------------------------------

    def upsert_login(self, provider: str, subject: str, email: str | None, login: str | None,
                     name: str | None, role_if_new: str, promote_to: str | None) -> UserRow:
        """The user of (provider, subject), created with ``role_if_new``; an allow-listed
        user (``promote_to``) is raised to that role at every login."""
        now = time.time()
        with self._conn:
            self._conn.execute("BEGIN IMMEDIATE")
            row = self._conn.execute(
                "SELECT id FROM users WHERE provider = ? AND subject = ?", (provider, subject)
            ).fetchone()
            if row is None:
                self._conn.execute(
                    "INSERT INTO users (provider, subject, email, login, name, role, created_at,"
                    " last_login_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (provider, subject, email, login, name, promote_to or role_if_new, now, now),
                )
            else:
                self._conn.execute(
                    "UPDATE users SET email = ?, login = ?, name = ?, last_login_at = ?,"
                    " role = COALESCE(?, role) WHERE id = ?",
                    (email, login, name, now, promote_to, row[0]),
                )
        user = self.user_by_subject(provider, subject)
        assert user is not None
        return user

    def user_by_subject(self, provider: str, subject: str) -> UserRow | None:
        row = self._conn.execute(
            "SELECT * FROM users WHERE provider = ? AND subject = ?", (provider, subject)
        ).fetchone()
        return _user(row) if row else None

    def user(self, user_id: int) -> UserRow | None:
        row = self._conn.execute("SELECT * FROM users WHERE id = ?", (user_id,)).fetchone()
        return _user(row) if row else None

    def users(self) -> list[UserRow]:
        return [_user(r) for r in self._conn.execute("SELECT * FROM users ORDER BY id")]

    def update_user(self, user_id: int, role: str | None, disabled: bool | None) -> UserRow | None:
        self._conn.execute(
            "UPDATE users SET role = COALESCE(?, role), disabled = COALESCE(?, disabled)"
            " WHERE id = ?",
            (role, None if disabled is None else int(disabled), user_id),
        )
        return self.user(user_id)

    # --- refresh tokens ----------------------------------------------------------

    def insert_refresh(self, row: RefreshRow) -> None:
        self._conn.execute(
            "INSERT INTO refresh_tokens VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (row.id, row.family_id, row.user_id, row.token_hash, row.created_at, row.expires_at,
             row.used_at, row.revoked_at, row.revoked_reason, row.ip, row.user_agent),
        )

    def refresh_by_hash(self, token_hash: str) -> RefreshRow | None:
        row = self._conn.execute(
            "SELECT * FROM refresh_tokens WHERE token_hash = ?", (token_hash,)
        ).fetchone()
        return RefreshRow(*row) if row else None

    def rotate_refresh(self, old_id: str, new: RefreshRow) -> bool:
        """Mark ``old_id`` used and insert ``new`` atomically; False when ``old_id``
        was used or revoked meanwhile (a concurrent reuse)."""
        now = time.time()
        with self._conn:
            self._conn.execute("BEGIN IMMEDIATE")
            cur = self._conn.execute(
                "UPDATE refresh_tokens SET used_at = ? WHERE id = ? AND used_at IS NULL"
                " AND revoked_at IS NULL",
                (now, old_id),
            )
            if cur.rowcount != 1:
                return False
            self.insert_refresh(new)
        return True

    def revoke_family(self, family_id: str, reason: str) -> int:
        cur = self._conn.execute(
            "UPDATE refresh_tokens SET revoked_at = ?, revoked_reason = ?"
            " WHERE family_id = ? AND revoked_at IS NULL",
            (time.time(), reason, family_id),
        )
        return cur.rowcount

    def revoke_user_families(self, user_id: int, reason: str) -> list[str]:
        families = [r[0] for r in self._conn.execute(
            "SELECT DISTINCT family_id FROM refresh_tokens WHERE user_id = ? AND revoked_at IS NULL",
            (user_id,),
        )]
        for family in families:
            self.revoke_family(family, reason)
        return families

    def revoked_families(self, since: float) -> set[str]:
        """Families revoked whose tokens could still be alive (for access-token checks)."""
        return {r[0] for r in self._conn.execute(
            "SELECT DISTINCT family_id FROM refresh_tokens WHERE revoked_at IS NOT NULL"
            " AND revoked_at >= ?", (since,),
        )}

    def sessions(self, user_id: int | None) -> list[RefreshRow]:
        """The live head of each session (family): the newest unused, unrevoked token."""
        where, args = ("AND user_id = ?", (time.time(), user_id)) if user_id is not None else (
            "", (time.time(),))
        rows = self._conn.execute(
            "SELECT * FROM refresh_tokens WHERE used_at IS NULL AND revoked_at IS NULL"
            f" AND expires_at > ? {where} ORDER BY created_at DESC", args,
        )
        return [RefreshRow(*r) for r in rows]

    # --- API keys ------------------------------------------------------------------

    def insert_api_key(self, row: ApiKeyRow) -> None:
        self._conn.execute(
            "INSERT INTO api_keys VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (row.id, row.user_id, row.name, row.role, row.prefix, row.key_hash, row.created_at,
             row.expires_at, row.last_used_at, row.revoked_at),
        )

    def api_keys(self, user_id: int | None = None, *, active_only: bool = False) -> list[ApiKeyRow]:
        sql, args = "SELECT * FROM api_keys WHERE 1 = 1", []
        if user_id is not None:
            sql += " AND user_id = ?"
            args.append(user_id)
        if active_only:
            sql += " AND revoked_at IS NULL"
        return [ApiKeyRow(*r) for r in self._conn.execute(sql + " ORDER BY created_at", args)]

    def api_key(self, key_id: str) -> ApiKeyRow | None:
        row = self._conn.execute("SELECT * FROM api_keys WHERE id = ?", (key_id,)).fetchone()
        return ApiKeyRow(*row) if row else None

    def revoke_api_key(self, key_id: str) -> bool:
        cur = self._conn.execute(
            "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
            (time.time(), key_id),
        )
        return cur.rowcount == 1

    def touch_api_keys(self, last_used: dict[str, float]) -> None:
        with self._conn:
            self._conn.execute("BEGIN")
            self._conn.executemany(
                "UPDATE api_keys SET last_used_at = MAX(COALESCE(last_used_at, 0), ?) WHERE id = ?",
                [(ts, key_id) for key_id, ts in last_used.items()],
            )

    # --- audit log -------------------------------------------------------------------

    def audit(self, actor: str, action: str, target: str | None, ip: str | None,
              detail: dict[str, Any] | None) -> None:
        self._conn.execute(
            "INSERT INTO audit_log (ts, actor, action, target, ip, detail) VALUES (?, ?, ?, ?, ?, ?)",
            (time.time(), actor, action, target, ip,
             json.dumps(detail, sort_keys=True) if detail else None),
        )

    def audit_log(self, limit: int, before_id: int | None, action: str | None) -> list[AuditRow]:
        sql, args = "SELECT * FROM audit_log WHERE 1 = 1", []
        if before_id is not None:
            sql += " AND id < ?"
            args.append(before_id)
        if action:
            sql += " AND action = ?"
            args.append(action)
        rows = self._conn.execute(sql + " ORDER BY id DESC LIMIT ?", [*args, limit])
        return [AuditRow(r[0], r[1], r[2], r[3], r[4], r[5], json.loads(r[6]) if r[6] else None)
                for r in rows]


def _user(row: tuple[Any, ...]) -> UserRow:
    return UserRow(row[0], row[1], row[2], row[3], row[4], row[5], row[6], bool(row[7]), row[8],
                   row[9])
