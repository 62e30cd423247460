"""The recent history of the market, for rolling back reorganized blocks.

engine_rs snapshots are of the whole market (every chain), so a snapshot
taken when chain A was at block N also holds chain B's state of that moment;
restoring it alone would rewind B as well. The history is therefore a journal:
every change to the market (tokens, pools, a head, a block of any chain), in
the order applied, each with the snapshot and read model after it.

Rolling chain C back to block N removes C's entries above N (its blocks, a
head set above N, pools whose state was read above N), restores the snapshot
just before the first removed entry, and re-applies the entries after it that
remain (the other chains' blocks). The surviving entries get fresh snapshots
on the way, so every snapshot in the journal again describes the current
history, and a later rollback of any chain stays exact. Chains touch disjoint
pools, so the re-applied blocks apply as they did the first time.

Each chain keeps at least ``depth`` entries; the journal is trimmed from the
front, and an entry trimmed off raises its chain's floor: rolling back below
the floor raises ``RollbackTooDeep`` (the chain must be re-synced).
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import engine_rs
from engine.core.errors import RollbackTooDeep
from engine.core.events import BlockUpdate, PoolAdded, TokenAdded
from engine.core.state import MarketView


@dataclass(frozen=True, slots=True)
class TokensChange:
    chain_id: int
    tokens: tuple[TokenAdded, ...]


@dataclass(frozen=True, slots=True)
class PoolsChange:
    chain_id: int
    pools: tuple[PoolAdded, ...]


@dataclass(frozen=True, slots=True)
class HeadChange:
    chain_id: int
    number: int
    hash: str
    timestamp: int


Change = TokensChange | PoolsChange | HeadChange | BlockUpdate


def change_number(change: Change) -> int:
    """The chain block a change belongs to (-1: none, never rolled back)."""
    if isinstance(change, TokensChange):
        return -1
    if isinstance(change, PoolsChange):
        return max((p.block_number for p in change.pools), default=-1)
    return change.number


@dataclass(slots=True)
class Entry:
    change: Change
    snapshot: engine_rs.MarketSnapshot
    view: MarketView


@dataclass(frozen=True, slots=True)
class RollbackPlan:
    base_snapshot: engine_rs.MarketSnapshot
    base_view: MarketView
    replay: list[Change]
    removed_blocks: list[tuple[int, str]]
    removed_pools: list[str]


class History:
    def __init__(
        self,
        depth_of: Callable[[int], int],
        base_snapshot: engine_rs.MarketSnapshot,
        base_view: MarketView,
    ) -> None:
        self._depth_of = depth_of
        self._entries: deque[Entry] = deque()
        self._counts: Counter[int] = Counter()
        self._floor: dict[int, int] = {}
        self._base_snapshot = base_snapshot
        self._base_view = base_view

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[Entry]:
        return iter(self._entries)

    def floor(self, chain_id: int) -> int:
        return self._floor.get(chain_id, -1)

    def append(self, change: Change, snapshot: engine_rs.MarketSnapshot, view: MarketView) -> None:
        self._entries.append(Entry(change, snapshot, view))
        self._counts[change.chain_id] += 1
        self._trim()

    def _trim(self) -> None:
        hard_cap = 4 * sum(self._depth_of(c) for c in self._counts if self._counts[c])
        while self._entries:
            front = self._entries[0]
            chain = front.change.chain_id
            if self._counts[chain] <= self._depth_of(chain) and len(self._entries) <= hard_cap:
                break
            self._entries.popleft()
            self._counts[chain] -= 1
            self._base_snapshot, self._base_view = front.snapshot, front.view
            self._floor[chain] = max(self._floor.get(chain, -1), change_number(front.change))

    def block_hash(self, chain_id: int, number: int) -> str | None:
        for entry in reversed(self._entries):
            change = entry.change
            if isinstance(change, BlockUpdate | HeadChange) and change.chain_id == chain_id:
                if change.number == number:
                    return change.hash.lower()
                if change.number < number:
                    return None
        return None

    def plan_rollback(self, chain_id: int, to_number: int) -> RollbackPlan | None:
        """Cut the journal before the first entry to undo; None when nothing is above ``to_number``.

        The caller restores ``base_*`` and re-applies ``replay`` through ``append``.
        """
        if to_number < self.floor(chain_id):
            raise RollbackTooDeep(
                f"chain {chain_id}: cannot roll back to block {to_number}: history starts at "
                f"block {self.floor(chain_id)}; re-sync the chain"
            )
        entries = list(self._entries)
        first = next(
            (i for i, e in enumerate(entries) if _undone(e.change, chain_id, to_number)), None
        )
        if first is None:
            return None
        replay: list[Change] = []
        removed_blocks: list[tuple[int, str]] = []
        removed_pools: list[str] = []
        for entry in entries[first:]:
            change = entry.change
            if not _undone(change, chain_id, to_number):
                replay.append(change)
            elif isinstance(change, BlockUpdate):
                removed_blocks.append((change.number, change.hash.lower()))
            elif isinstance(change, PoolsChange):
                kept = tuple(p for p in change.pools if p.block_number <= to_number)
                removed_pools += [p.address.lower() for p in change.pools if p.block_number > to_number]
                if kept:
                    replay.append(PoolsChange(change.chain_id, kept))
        base = (self._base_snapshot, self._base_view) if first == 0 else (
            entries[first - 1].snapshot, entries[first - 1].view
        )
        for _ in entries[first:]:
            dropped = self._entries.pop()
            self._counts[dropped.change.chain_id] -= 1
        removed_blocks.reverse()
        return RollbackPlan(base[0], base[1], replay, removed_blocks, removed_pools)


def _undone(change: Change, chain_id: int, to_number: int) -> bool:
    if change.chain_id != chain_id or isinstance(change, TokensChange):
        return False
    if isinstance(change, PoolsChange):
        return any(p.block_number > to_number for p in change.pools)
    return change.number > to_number
