"""The engine core's one error type and its kinds.

The API layer maps these to gRPC status codes in one place
(engine/api/errors.py); anything else that escapes is an internal error.
"""

from __future__ import annotations


class EngineError(Exception):
    """Base of the errors the core raises on purpose."""


class InvalidRequest(EngineError):
    """A request field is malformed; ``field`` names it (``amount_in``, ``pools[1]``)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class NotFound(EngineError):
    """An unknown chain, token or pool; ``field`` names the request field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class BlockRejected(EngineError):
    """A block's updates did not apply (engine_rs raised); nothing of it was applied."""


class RollbackTooDeep(EngineError):
    """The rollback target is older than the kept history: the chain must be re-synced."""


class PreconditionFailed(EngineError):
    """The request is valid but the system's state refuses it now (a stale or no longer
    profitable opportunity, a mode or risk limit that forbids the trade); ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
