"""The engine core: the market (engine_rs), its read model, history and event fan-out."""

from engine.core.engine import Engine, EngineStatus, Recorder, SeenOpportunity, SyncState
from engine.core.errors import BlockRejected, EngineError, InvalidRequest, NotFound, RollbackTooDeep
from engine.core.events import (
    BlockUpdate,
    OpportunityEvent,
    PoolAdded,
    PriceEvent,
    Rollback,
    RollbackResult,
    TokenAdded,
    V2PoolAdded,
    V3PoolAdded,
)

__all__ = [
    "BlockRejected", "BlockUpdate", "Engine", "EngineError", "EngineStatus", "InvalidRequest",
    "NotFound", "OpportunityEvent", "PoolAdded", "PriceEvent", "Recorder", "Rollback",
    "RollbackResult", "RollbackTooDeep", "SeenOpportunity", "SyncState", "TokenAdded",
    "V2PoolAdded", "V3PoolAdded",
]
