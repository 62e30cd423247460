"""Schema of gateway.db (SQLite, WAL). ``user_version`` records the schema version."""

VERSION = 1

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    id            INTEGER PRIMARY KEY,
    provider      TEXT NOT NULL,
    subject       TEXT NOT NULL,
    email         TEXT,
    login         TEXT,
    name          TEXT,
    role          TEXT NOT NULL CHECK (role IN ('viewer', 'trader', 'admin')),
    disabled      INTEGER NOT NULL DEFAULT 0,
    created_at    REAL NOT NULL,
    last_login_at REAL,
    UNIQUE (provider, subject)
);
-- One row per refresh token; a login starts a family, every refresh adds a row
-- to it and marks the previous one used. A used token presented again is a
-- reuse: the whole family is revoked.
CREATE TABLE IF NOT EXISTS refresh_tokens (
    id             TEXT PRIMARY KEY,
    family_id      TEXT NOT NULL,
    user_id        INTEGER NOT NULL REFERENCES users(id),
    token_hash     TEXT NOT NULL UNIQUE,
    created_at     REAL NOT NULL,
    expires_at     REAL NOT NULL,
    used_at        REAL,
    revoked_at     REAL,
    revoked_reason TEXT,
    ip             TEXT,
    user_agent     TEXT
);
CREATE INDEX IF NOT EXISTS refresh_family ON refresh_tokens (family_id);
CREATE INDEX IF NOT EXISTS refresh_user ON refresh_tokens (user_id);
CREATE TABLE IF NOT EXISTS api_keys (
    id           TEXT PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users(id),
    name         TEXT NOT NULL,
    role         TEXT NOT NULL CHECK (role IN ('viewer', 'trader', 'admin')),
    prefix       TEXT NOT NULL,
    key_hash     TEXT NOT NULL UNIQUE,
    created_at   REAL NOT NULL,
    expires_at   REAL,
    last_used_at REAL,
    revoked_at   REAL
);
CREATE TABLE IF NOT EXISTS audit_log (
    id      INTEGER PRIMARY KEY,
    ts      REAL NOT NULL,
    actor   TEXT NOT NULL,
    action  TEXT NOT NULL,
    target  TEXT,
    ip      TEXT,
    detail  TEXT
);
CREATE INDEX IF NOT EXISTS audit_ts ON audit_log (ts);
"""
