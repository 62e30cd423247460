"""Block headers as the follower needs them, and their batched reads."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from engine.chain.connection import RpcClient
from engine.chain.errors import RpcError


@dataclass(frozen=True, slots=True)
class BlockHeader:
    number: int
    hash: str
    parent_hash: str
    timestamp: int
    base_fee_wei: int | None  # None before EIP-1559

    @classmethod
    def parse(cls, raw: Mapping[str, Any]) -> BlockHeader:
        base_fee = raw.get("baseFeePerGas")
        return cls(
            number=int(raw["number"], 16),
            hash=str(raw["hash"]).lower(),
            parent_hash=str(raw["parentHash"]).lower(),
            timestamp=int(raw["timestamp"], 16),
            base_fee_wei=int(base_fee, 16) if base_fee is not None else None,
        )


class BlockMissing(RpcError):
    """The node has no block at that number (yet, or any more after a reorg)."""


async def latest_header(client: RpcClient) -> BlockHeader:
    raw = await client.request("eth_getBlockByNumber", ["latest", False])
    if raw is None:
        raise BlockMissing("eth_getBlockByNumber", "no latest block")
    return BlockHeader.parse(raw)


async def headers(client: RpcClient, numbers: Sequence[int]) -> list[BlockHeader]:
    """Headers of ``numbers`` in one batch; BlockMissing when one is not there."""
    raws = await client.batch([("eth_getBlockByNumber", [hex(n), False]) for n in numbers])
    out = []
    for number, raw in zip(numbers, raws, strict=True):
        if isinstance(raw, RpcError):
            raise raw
        if raw is None:
            raise BlockMissing("eth_getBlockByNumber", f"no block {number}")
        out.append(BlockHeader.parse(raw))
    return out
