"""The gateway's own SQLite database: users, refresh tokens, API keys, audit log."""

from gateway.store.db import ApiKeyRow, AuditRow, Database, RefreshRow, UserRow

__all__ = ["ApiKeyRow", "AuditRow", "Database", "RefreshRow", "UserRow"]
