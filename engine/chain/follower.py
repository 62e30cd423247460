"""One chain, followed block by block into the Engine.

    connect -> initial snapshot at a pinned block -> per new head: headers and
    pool logs of every block from last processed + 1 to the head, in order,
    one BlockUpdate each -> on a parent-hash mismatch: walk back to the common
    ancestor, Engine.rollback, re-apply the new canonical blocks.

A block is only ever skipped by raising: a failed request leaves the last
processed block where it was, and the next round (after a reconnect, with
backoff) starts again from the block after it. Logs are fetched per block by
block hash (EIP-234), so a block's logs are exactly that block's even while
the chain reorganizes underneath.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from engine.chain import abi
from engine.chain.blocks import BlockHeader, BlockMissing, headers, latest_header
from engine.chain.connection import Backoff, RpcClient, endpoints
from engine.chain.discovery import (
    PoolSpec,
    configured_pools,
    discover,
    factories,
    merge,
    parse_factory_log,
)
from engine.chain.errors import ChainConfigError, ChainError, ConnectionLost, RpcError
from engine.chain.oracle import OracleReader
from engine.chain.snapshot import read_pools, read_tokens
from engine.config import ChainConfig
from engine.core.engine import Engine, SyncState
from engine.core.errors import BlockRejected, RollbackTooDeep
from engine.core.events import BlockUpdate, MarketUpdate, PoolAdded

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class FollowerOptions:
    batch_size: int = 500  # JSON-RPC calls per batch request
    max_block_range: int = 50  # blocks fetched per round while catching up
    request_timeout_s: float = 30.0
    backoff_initial_s: float = 0.1
    backoff_max_s: float = 10.0
    # On a fallback endpoint (HTTP after a failed WebSocket), try the preferred one this often.
    retry_preferred_s: float = 30.0
    # None: discover from the factories only when the config lists no pools
    discover: bool | None = None
    discovery_from_block: int = 0
    discovery_max_range: int = 10_000  # blocks per factory eth_getLogs
    # V3 ticks through the PoolLens (eth_call with a state override; snapshot.py), falling
    # back to one call per bitmap word where the node does not run it; False: never try
    tick_lens: bool = True


@dataclass(frozen=True, slots=True)
class FollowerStatus:
    chain_id: int
    state: SyncState
    connected: bool
    transport: str | None
    chain_head: int
    last_processed: int | None
    lag: int
    pools: int
    blocks_processed: int
    reorgs: int
    reconnects: int
    last_error: str


class ChainFollower:
    """Syncs one configured chain into ``engine`` until cancelled: ``await follower.run()``."""

    def __init__(
        self, config: ChainConfig, engine: Engine, options: FollowerOptions | None = None,
        *, client: RpcClient | None = None,
    ) -> None:
        self.config = config
        self.chain_id = config.chain_id
        self.engine = engine
        self.options = options = options or FollowerOptions()
        self.client = client or RpcClient(
            endpoints(
                [u.get_secret_value() for u in config.rpc_urls],
                config.ws_url.get_secret_value() if config.ws_url else None,
            ),
            timeout_s=options.request_timeout_s,
            batch_size=options.batch_size,
            poll_interval_s=config.poll_interval_s,
        )
        # the chain's price feeds, read at the initial sync and every oracle_refresh_blocks
        self.oracle = OracleReader(config, engine, self.client) if config.price_feeds else None
        self.discovering = options.discover if options.discover is not None else not config.pools
        self._factories = factories(config) if self.discovering else {}
        self.pools: dict[str, PoolSpec] = {}  # followed pools by lowercase address
        self._hashes: dict[int, str] = {}  # recent canonical block hashes (reorg_depth of them)
        self._last: BlockHeader | None = None
        self._state = SyncState.IDLE
        self._chain_head = 0
        self._last_error = ""
        self.blocks_processed = 0
        self.reorgs = 0
        self.reconnects = 0

    # --- status -------------------------------------------------------------------

    @property
    def last_processed(self) -> int | None:
        return self._last.number if self._last else None

    def status(self) -> FollowerStatus:
        last = self.last_processed
        return FollowerStatus(
            chain_id=self.chain_id,
            state=self._state,
            connected=self.client.connected,
            transport=self.client.transport.value if self.client.transport else None,
            chain_head=self._chain_head,
            last_processed=last,
            lag=max(0, self._chain_head - last) if last is not None else self._chain_head,
            pools=len(self.pools),
            blocks_processed=self.blocks_processed,
            reorgs=self.reorgs,
            reconnects=self.reconnects,
            last_error=self._last_error,
        )

    def _report(self, state: SyncState, error: str | None = None) -> None:
        self._state = state
        if error is not None:
            self._last_error = error
        self.engine.report_sync(self.chain_id, state, chain_head=self._chain_head or None,
                                error=error)

    # --- the loop ---------------------------------------------------------------------

    async def run(self) -> None:
        """Connect, sync, follow; reconnect with backoff on a lost connection.

        Returns only by cancellation; raises ChainConfigError (config and chain
        disagree) and ChainError (a block the engine rejects, a reorg deeper
        than the kept history) after reporting the chain FAILED.
        """
        backoff = Backoff(self.options.backoff_initial_s, self.options.backoff_max_s)
        try:
            while True:
                try:
                    if not self.client.connected:
                        self._report(SyncState.SYNCING if self._last is None
                                     else SyncState.RECONNECTING)
                        await self.client.connect()
                        await self._check_chain_id()
                    if self._last is None:
                        self._report(SyncState.SYNCING)
                        await self.sync()
                    self._report(SyncState.LIVE, "")
                    backoff.reset()
                    connected_at = asyncio.get_running_loop().time()
                    while True:
                        await self.step()
                        now = asyncio.get_running_loop().time()
                        if self.client.on_fallback and now - connected_at >= self.options.retry_preferred_s:
                            # Reconnecting tries the endpoints in order again; blocks are
                            # followed by number, so none is skipped meanwhile.
                            await self.client.connect()
                            connected_at = now
                        await self.client.wait_for_new_head()
                except (ConnectionLost, RpcError) as exc:
                    # RpcError: a node error mid-round (a block gone in a reorg, an
                    # overloaded node); the round is retried from the last processed block
                    if isinstance(exc, ConnectionLost):
                        self.reconnects += 1
                        await self.client.close()
                    delay = backoff.next_delay()
                    log.warning("chain rpc failed; retrying", extra={
                        "chain_id": self.chain_id, "error": str(exc), "retry_in_s": round(delay, 3),
                    })
                    self._report(SyncState.RECONNECTING, str(exc))
                    await asyncio.sleep(delay)
        except ChainError as exc:
            self._report(SyncState.FAILED, str(exc))
            log.error("chain sync failed", extra={"chain_id": self.chain_id, "error": str(exc)})
            raise
        finally:
            await self.client.close()

    async def _check_chain_id(self) -> None:
        chain_id = int(await self.client.request("eth_chainId", []), 16)
        if chain_id != self.chain_id:
            raise ChainConfigError(
                f"chain {self.config.name}: chain_id: configured {self.chain_id}, "
                f"the endpoint serves chain {chain_id}"
            )

    # --- initial sync -------------------------------------------------------------------

    async def sync(self) -> None:
        """Discover the pools and read every one at one pinned block, then feed the engine."""
        while True:
            pinned = await latest_header(self.client)
            self._chain_head = pinned.number
            specs = configured_pools(self.config)
            if self.discovering:
                found = await discover(
                    self.client, self.config, self.options.discovery_from_block, pinned.number,
                    self.options.discovery_max_range,
                )
                specs = merge(specs, found)
            pools, tokens = await self._read(specs, pinned.number, strict=True)
            # every read was at pinned.number: still the same block (no reorg meanwhile)?
            recent = await headers(self.client, self._recent_numbers(pinned.number))
            if recent[-1].hash == pinned.hash:
                break
        self.engine.add_tokens(tokens)
        self.engine.add_pools(pools)
        self.engine.set_head(self.chain_id, pinned.number, pinned.hash, pinned.timestamp)
        self.pools.update({p.address.lower(): spec for p, spec in self._with_specs(pools, specs)})
        for header in recent:
            self._remember(header)
        if self.oracle is not None:
            await self.oracle.refresh(pinned)
        log.info("chain synced", extra={"chain_id": self.chain_id, "block": pinned.number,
                                        "pools": len(pools), "tokens": len(tokens)})

    def _recent_numbers(self, number: int) -> list[int]:
        return list(range(max(0, number - self.config.reorg_depth + 1), number + 1))

    @staticmethod
    def _with_specs(
        pools: Iterable[PoolAdded], specs: Sequence[PoolSpec]
    ) -> list[tuple[PoolAdded, PoolSpec]]:
        by_address = {s.address: s for s in specs}
        return [(p, by_address[p.address.lower()]) for p in pools]

    async def _read(
        self, specs: Sequence[PoolSpec], block: int, *, strict: bool
    ) -> tuple[list[PoolAdded], list[Any]]:
        """Pools and the tokens the engine does not know yet, read at ``block``.

        ``strict``: a configured pool that cannot be read is a ChainConfigError;
        discovered pools that cannot be read are left out with a warning.
        """
        read = await read_pools(self.client, self.chain_id, specs, block,
                                use_lens=self.options.tick_lens)
        by_address = {s.address: s for s in specs}
        problems = []
        for address, reason in read.failures.items():
            spec = by_address[address]
            if strict and spec.created_block is None:
                problems.append(f"{spec.source}: {reason}")
            else:
                log.warning("pool left out", extra={"chain_id": self.chain_id, "pool": address,
                                                    "source": spec.source, "reason": reason})
        if problems:
            raise ChainConfigError("\n".join(problems))
        known = {t.address for t in self.engine.tokens(self.chain_id)}
        wanted = sorted({t for p in read.pools for t in (p.token0, p.token1)} - known)
        tokens, token_failures = await read_tokens(self.client, self.chain_id, wanted, block)
        pools = []
        for pool in read.pools:
            bad = [token_failures[t] for t in (pool.token0, pool.token1) if t in token_failures]
            if not bad:
                pools.append(pool)
            elif strict and by_address[pool.address].created_block is None:
                problems.append(f"{by_address[pool.address].source}: {'; '.join(bad)}")
            else:
                log.warning("pool left out", extra={"chain_id": self.chain_id,
                                                    "pool": pool.address, "reason": "; ".join(bad)})
        if problems:
            raise ChainConfigError("\n".join(problems))
        return pools, tokens

    # --- following ------------------------------------------------------------------------

    async def step(self) -> int:
        """Process every block up to the node's head; returns how many were applied."""
        if self._last is None:
            raise RuntimeError("step() before sync()")
        applied = await self._announced_block() or await self._catch_up()
        if self.oracle is not None and self.oracle.due(self._last.number):
            await self.oracle.refresh(self._last)
        return applied

    async def _announced_block(self) -> int:
        """The next block from its ``newHeads`` notification: 1 when applied, else 0.

        The notification carries the header, so the usual case, one new block on top
        of the last processed one, costs one ``eth_getLogs`` instead of three round
        trips (latest header, headers, logs). Anything else (no notification, a gap,
        another parent, a block gone before its logs were read) is left to
        ``_catch_up``, which reads the headers itself.
        """
        assert self._last is not None
        raw = self.client.take_new_head()
        if raw is None:
            return 0
        try:
            header = BlockHeader.parse(raw)
        except (KeyError, TypeError, ValueError):
            return 0
        if header.number != self._last.number + 1 or header.parent_hash != self._last.hash:
            return 0
        self._chain_head = max(self._chain_head, header.number)
        self.engine.report_sync(self.chain_id, self._state, chain_head=self._chain_head)
        return max(0, await self._apply_headers([header]))

    async def _catch_up(self) -> int:
        """Every block up to the node's latest, headers read in batches (and reorgs handled)."""
        assert self._last is not None
        latest = await latest_header(self.client)
        self._chain_head = latest.number
        self.engine.report_sync(self.chain_id, self._state, chain_head=latest.number)
        if latest.number < self._last.number or (
            latest.number == self._last.number and latest.hash != self._last.hash
        ):
            # the chain reorganized to the same or a lower height (or just lost blocks)
            await self._reorg(latest.number)
        applied = 0
        while self._last.number < latest.number:
            to = min(latest.number, self._last.number + self.options.max_block_range)
            done = await self._advance(to)
            if done < 0:  # reorganized, or changed while being read: go again
                latest = await latest_header(self.client)
                self._chain_head = latest.number
                continue
            applied += done
        return applied

    async def _advance(self, to: int) -> int:
        """Apply blocks last + 1 .. to; -1 when the chain changed under the request."""
        assert self._last is not None
        numbers = list(range(self._last.number + 1, to + 1))
        try:
            batch = await headers(self.client, numbers)
        except BlockMissing:
            return -1  # the head moved back meanwhile
        if batch[0].parent_hash != self._last.hash:
            await self._reorg(self._last.number)
            return -1
        for i in range(1, len(batch)):
            if batch[i].parent_hash != batch[i - 1].hash:  # changed between the reads
                batch = batch[:i]
                break
        return await self._apply_headers(batch)

    async def _apply_headers(self, batch: Sequence[BlockHeader]) -> int:
        """Read the linked ``batch``'s logs and apply its blocks; -1 when a block is gone."""
        logs = await self._logs(batch)
        if logs is None:
            return -1
        observed = time.time_ns()
        for header, block_logs in zip(batch, logs, strict=True):
            await self._apply(header, block_logs, observed)
        return len(batch)

    def _filter(self) -> tuple[list[str], list[str]]:
        addresses = list(self.pools) + list(self._factories)
        topics = abi.POOL_EVENT_TOPICS + (abi.FACTORY_EVENT_TOPICS if self._factories else [])
        return addresses, topics

    async def _logs(self, batch: Sequence[BlockHeader]) -> list[list[dict[str, Any]]] | None:
        """Each block's pool (and factory) logs by block hash; None if a block is gone."""
        addresses, topics = self._filter()
        if not addresses:
            return [[] for _ in batch]
        results = await self.client.batch([
            ("eth_getLogs", [{"blockHash": h.hash, "address": addresses, "topics": [topics]}])
            for h in batch
        ])
        out = []
        for header, result in zip(batch, results, strict=True):
            if isinstance(result, RpcError):
                log.info("block logs unavailable (reorganized?)", extra={
                    "chain_id": self.chain_id, "block": header.number, "error": str(result)})
                return None
            block_logs = [g for g in result if str(g.get("blockHash", "")).lower() == header.hash]
            if len(block_logs) != len(result):
                return None
            block_logs.sort(key=lambda g: int(g["logIndex"], 16))
            out.append(block_logs)
        return out

    async def _apply(self, header: BlockHeader, logs: list[dict[str, Any]], observed: int) -> None:
        new_pools: set[str] = set()
        if self._factories:
            created = [s for s in (parse_factory_log(g, self._factories) for g in logs) if s]
            created = [s for s in created if s.address not in self.pools]
            if created:
                new_pools = await self._add_pools(created, header.number)
        updates: list[MarketUpdate] = []
        for g in logs:
            address = str(g["address"]).lower()
            spec = self.pools.get(address)
            if spec is None or address in new_pools:  # factory log; a pool read after this block
                continue
            try:
                update = abi.log_update(self.chain_id, g, spec.kind)
            except ValueError as exc:
                log.warning("log not understood", extra={"chain_id": self.chain_id,
                                                          "block": header.number, "error": str(exc)})
                continue
            if update is not None:
                updates.append(update)
        block = BlockUpdate(
            self.chain_id, header.number, header.hash, header.parent_hash, header.timestamp,
            updates, gas_price_wei=header.base_fee_wei, observed_ns=observed,
        )
        try:
            self.engine.apply_block(block)
        except BlockRejected as exc:
            raise ChainError(f"chain {self.config.name}: {exc}") from exc
        self._remember(header)
        self.blocks_processed += 1

    async def _add_pools(self, specs: Sequence[PoolSpec], block: int) -> set[str]:
        """Pools created in ``block`` (read after it, so its own logs of them are skipped)."""
        pools, tokens = await self._read(specs, block, strict=False)
        if tokens:
            self.engine.add_tokens(tokens)
        if pools:
            self.engine.add_pools(pools)
        for pool, spec in self._with_specs(pools, specs):
            self.pools[pool.address.lower()] = spec
        log.info("pools discovered", extra={"chain_id": self.chain_id, "block": block,
                                            "pools": [p.address for p in pools]})
        return {p.address.lower() for p in pools}

    def _remember(self, header: BlockHeader) -> None:
        self._hashes[header.number] = header.hash
        self._last = header
        floor = header.number - self.config.reorg_depth
        for number in [n for n in self._hashes if n <= floor or n > header.number]:
            del self._hashes[number]

    # --- reorganizations ---------------------------------------------------------------------

    async def _reorg(self, start: int) -> None:
        """Roll the engine back to the newest block at or below ``start`` that is still canonical."""
        ancestor = await self._common_ancestor(start)
        assert self._last is not None
        log.warning("reorg", extra={"chain_id": self.chain_id, "ancestor": ancestor.number,
                                    "depth": self._last.number - ancestor.number})
        try:
            result = self.engine.rollback(self.chain_id, ancestor.number)
        except RollbackTooDeep as exc:
            raise ChainError(f"chain {self.config.name}: reorg below the kept history: {exc}") from exc
        self.reorgs += 1
        self._remember(ancestor)
        removed = [a.lower() for a in result.removed_pools]
        if removed:
            # state read above the ancestor is gone: read it again at the ancestor
            specs = [self.pools.pop(a) for a in removed if a in self.pools]
            again = [s for s in specs if s.created_block is None or s.created_block <= ancestor.number]
            pools, tokens = await self._read(again, ancestor.number, strict=False)
            if tokens:
                self.engine.add_tokens(tokens)
            if pools:
                self.engine.add_pools(pools)
            for pool, spec in self._with_specs(pools, again):
                self.pools[pool.address.lower()] = spec
        head = self.engine.head(self.chain_id)
        if head is None or head.number != ancestor.number:
            self.engine.set_head(self.chain_id, ancestor.number, ancestor.hash, ancestor.timestamp)

    async def _common_ancestor(self, start: int) -> BlockHeader:
        if not self._hashes:
            raise ChainError(f"chain {self.config.name}: reorg with no block hashes kept")
        floor = min(self._hashes)
        top = min(start, max(self._hashes))
        while top >= floor:
            low = max(floor, top - 31)
            batch = await headers(self.client, list(range(low, top + 1)))
            for header in reversed(batch):
                if self._hashes.get(header.number) == header.hash:
                    return header
            top = low - 1
        raise ChainError(
            f"chain {self.config.name}: no common ancestor within the last "
            f"{self.config.reorg_depth} blocks (reorg_depth): re-sync the chain"
        )
