"""Storage: arbitrage.db (SQLite, WAL), written in batches by one writer thread."""

from engine.store.store import OpportunityFilter, OpportunityRow, Store

__all__ = ["OpportunityFilter", "OpportunityRow", "Store"]
