"""Which pools a chain follows: the config's explicit list and/or the pools its
DEX factories created (``PairCreated`` / ``PoolCreated`` logs)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from engine.chain import abi
from engine.chain.connection import RpcClient
from engine.config import ChainConfig, DexConfig

PoolKind = Literal["v2", "v3"]
DEFAULT_V2_FEE_PIPS = 3000


@dataclass(frozen=True, slots=True)
class PoolSpec:
    """A pool to follow, and what the config or the factory says it is.

    ``token0`` / ``token1`` / ``fee_pips`` are checked against the chain when
    given (V3's fee is read from the pool; V2's is the DEX's, not on chain).
    ``source`` names where it came from, for error messages.
    """

    address: str
    kind: PoolKind
    dex: str
    source: str
    fee_pips: int | None = None
    token0: str | None = None
    token1: str | None = None
    created_block: int | None = None  # discovered from a factory log of that block

    @property
    def v2_fee_bps(self) -> int:
        return (self.fee_pips if self.fee_pips is not None else DEFAULT_V2_FEE_PIPS) // 100


def configured_pools(config: ChainConfig) -> list[PoolSpec]:
    dex_fee = {d.name: d.fee for d in config.dexes}
    out = []
    for i, pool in enumerate(config.pools):
        fee = pool.fee if pool.fee or pool.kind == "v3" else dex_fee.get(pool.dex)
        out.append(PoolSpec(
            address=pool.address.lower(), kind=pool.kind, dex=pool.dex,
            source=f"chain {config.name}: pools[{i}] ({pool.address})",
            fee_pips=fee, token0=pool.token0.lower(), token1=pool.token1.lower(),
        ))
    return out


def factories(config: ChainConfig) -> dict[str, DexConfig]:
    """Factory address (lowercase) -> its DEX."""
    return {d.factory.lower(): d for d in config.dexes}


def parse_factory_log(log: Mapping[str, Any], dexes: Mapping[str, DexConfig]) -> PoolSpec | None:
    """The pool a factory's creation log announces; None for another event or factory."""
    dex = dexes.get(str(log["address"]).lower())
    topics: list[str] = log["topics"]
    if dex is None or not topics:
        return None
    data = abi.to_bytes(log["data"])
    block = int(log["blockNumber"], 16)
    where = f"{dex.name} factory log in block {block}"
    if topics[0] == abi.PAIR_CREATED and dex.kind == "v2":
        return PoolSpec(
            address=abi.address_word(data, 0), kind="v2", dex=dex.name, source=where,
            fee_pips=dex.fee, token0=abi.topic_address(topics[1]),
            token1=abi.topic_address(topics[2]), created_block=block,
        )
    if topics[0] == abi.POOL_CREATED and dex.kind == "v3":
        return PoolSpec(
            address=abi.address_word(data, 1), kind="v3", dex=dex.name, source=where,
            fee_pips=abi.topic_int(topics[3]), token0=abi.topic_address(topics[1]),
            token1=abi.topic_address(topics[2]), created_block=block,
        )
    return None


async def factory_logs(
    client: RpcClient, factory_addresses: Sequence[str], from_block: int, to_block: int,
    max_range: int,
) -> list[dict[str, Any]]:
    """Creation logs of the factories in [from_block, to_block], ``max_range`` blocks a request."""
    out: list[dict[str, Any]] = []
    if not factory_addresses:
        return out
    start = from_block
    while start <= to_block:
        end = min(to_block, start + max_range - 1)
        logs = await client.request("eth_getLogs", [{
            "fromBlock": hex(start), "toBlock": hex(end),
            "address": list(factory_addresses), "topics": [abi.FACTORY_EVENT_TOPICS],
        }])
        out.extend(logs)
        start = end + 1
    return out


async def discover(
    client: RpcClient, config: ChainConfig, from_block: int, to_block: int, max_range: int = 10_000
) -> list[PoolSpec]:
    """Every pool the configured factories created in [from_block, to_block], in creation order."""
    dexes = factories(config)
    logs = await factory_logs(client, list(dexes), from_block, to_block, max_range)
    logs.sort(key=lambda g: (int(g["blockNumber"], 16), int(g["logIndex"], 16)))
    return [spec for spec in (parse_factory_log(g, dexes) for g in logs) if spec is not None]


def merge(explicit: Iterable[PoolSpec], discovered: Iterable[PoolSpec]) -> list[PoolSpec]:
    """The explicit list first; a discovered pool already listed is not repeated."""
    out: dict[str, PoolSpec] = {}
    for spec in (*explicit, *discovered):
        out.setdefault(spec.address, spec)
    return list(out.values())
