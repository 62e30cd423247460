"""The initial state of tokens and pools, read at one pinned block in JSON-RPC batches.

Batched ``eth_call``s, all at the same block number so the state is one
consistent snapshot:
  1. per pool: token0, token1 and getReserves (V2) or fee, tickSpacing, slot0,
     liquidity (V3);
  2. per V3 pool, its initialized ticks (tick, liquidityGross, liquidityNet):
     with the PoolLens (lens.py: one ``eth_call`` with a state override per
     1,024 bitmap words, so one call for most pools), or, where the node does
     not run state overrides (``lens=False``, or the lens call failed), the
     plain way: every ``tickBitmap`` word of the range the spacing can
     initialize (35 words at spacing 200, 6,933 at spacing 1), then
     ``ticks(t)`` for every set bit.
Tokens not yet known: ``decimals`` and ``symbol`` in one more batch.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from engine.chain import abi, lens
from engine.chain.connection import RpcClient
from engine.chain.discovery import PoolSpec
from engine.chain.errors import RpcError
from engine.core.events import PoolAdded, TokenAdded, V2PoolAdded, V3PoolAdded

log = logging.getLogger(__name__)


def _call(address: str, data: str, block: int) -> tuple[str, list[Any]]:
    return ("eth_call", [{"to": address, "data": data}, hex(block)])


def word_range(tick_spacing: int) -> range:
    """The tickBitmap words that can hold an initialized tick at this spacing."""
    lowest = -(-abi.MIN_TICK // tick_spacing) * tick_spacing
    highest = (abi.MAX_TICK // tick_spacing) * tick_spacing
    return range((lowest // tick_spacing) >> 8, ((highest // tick_spacing) >> 8) + 1)


def set_ticks(word_position: int, bitmap: int, tick_spacing: int) -> list[int]:
    return [
        (word_position * 256 + bit) * tick_spacing for bit in range(256) if bitmap >> bit & 1
    ]


@dataclass(slots=True)
class PoolsRead:
    pools: list[PoolAdded] = field(default_factory=list)
    # pool address -> why it could not be read (no contract, not that kind, tokens differ)
    failures: dict[str, str] = field(default_factory=dict)


async def _results(
    client: RpcClient, calls: Sequence[tuple[str, list[Any]]]
) -> list[bytes | RpcError]:
    out: list[bytes | RpcError] = []
    for result in await client.batch(calls):
        out.append(result if isinstance(result, RpcError) else abi.to_bytes(result or "0x"))
    return out


async def read_pools(
    client: RpcClient, chain_id: int, specs: Sequence[PoolSpec], block: int, *,
    use_lens: bool = True,
) -> PoolsRead:
    """Full state of ``specs`` at ``block``; pools that fail land in ``failures``.

    ``use_lens``: read V3 ticks with the PoolLens where the node runs it (else word by word).
    """
    read = PoolsRead()
    layouts: dict[str, list[bytes]] = {"v2": [abi.TOKEN0, abi.TOKEN1, abi.GET_RESERVES],
                                       "v3": [abi.TOKEN0, abi.TOKEN1, abi.FEE, abi.TICK_SPACING,
                                              abi.SLOT0, abi.LIQUIDITY]}
    calls = [
        _call(s.address, "0x" + sel.hex(), block) for s in specs for sel in layouts[s.kind]
    ]
    results = await _results(client, calls)
    v3_heads: list[tuple[PoolSpec, str, str, int, int, int, int, int]] = []
    cursor = 0
    for spec in specs:
        n = len(layouts[spec.kind])
        row, cursor = results[cursor : cursor + n], cursor + n
        try:
            values = _decode_head(spec, row)
        except ValueError as exc:
            read.failures[spec.address] = str(exc)
            continue
        if spec.kind == "v2":
            token0, token1, r0, r1 = values
            read.pools.append(V2PoolAdded(
                chain_id, spec.address, token0, token1, r0, r1, spec.v2_fee_bps, spec.dex, block,
            ))
        else:
            v3_heads.append((spec, *values))  # type: ignore[arg-type]
    if v3_heads:
        read.pools.extend(await _read_v3_ticks(client, chain_id, v3_heads, block, use_lens))
    return read


def _decode_head(spec: PoolSpec, row: list[bytes | RpcError]) -> tuple[Any, ...]:
    what = "V2 pair" if spec.kind == "v2" else "V3 pool"
    for result in row:
        if isinstance(result, RpcError):
            raise ValueError(f"not a {what}: {result}")  # noqa: TRY004 - a failure reason
        if not result:
            raise ValueError(f"not a {what}: no contract, or it has no such function")
    try:
        token0, token1 = abi.address_word(row[0], 0), abi.address_word(row[1], 0)  # type: ignore[arg-type]
        if spec.kind == "v2":
            values: tuple[Any, ...] = (token0, token1, abi.word(row[2], 0), abi.word(row[2], 1))  # type: ignore[arg-type]
        else:
            fee, spacing = abi.word(row[2], 0), abi.word(row[3], 0, signed=True)  # type: ignore[arg-type]
            sqrt_price, tick = abi.word(row[4], 0), abi.word(row[4], 1, signed=True)  # type: ignore[arg-type]
            values = (token0, token1, fee, spacing, sqrt_price, tick, abi.word(row[5], 0))  # type: ignore[arg-type]
    except ValueError as exc:
        raise ValueError(f"not a {what}: {exc}") from None
    for name, expected, actual in (("token0", spec.token0, token0), ("token1", spec.token1, token1)):
        if expected is not None and expected.lower() != actual:
            raise ValueError(f"{name} is {actual} on chain, expected {expected}")
    if spec.kind == "v3" and spec.fee_pips is not None and spec.fee_pips != values[2]:
        raise ValueError(f"fee is {values[2]} on chain, expected {spec.fee_pips}")
    if spec.kind == "v3" and values[3] <= 0:
        raise ValueError(f"not a V3 pool: tickSpacing {values[3]}")
    return values


V3Head = tuple[PoolSpec, str, str, int, int, int, int, int]
Ticks = list[tuple[int, int, int]]  # (tick, liquidity_gross, liquidity_net), ascending


async def _read_v3_ticks(
    client: RpcClient, chain_id: int, heads: list[V3Head], block: int, use_lens: bool,
) -> list[PoolAdded]:
    ticks: list[Ticks | None] = (
        await _lens_ticks(client, heads, block) if use_lens else [None] * len(heads)
    )
    plain = [i for i, t in enumerate(ticks) if t is None]
    if plain:
        if use_lens:
            log.warning("tick lens unavailable; reading ticks word by word", extra={
                "pools": len(plain), "example": heads[plain[0]][0].address})
        for i, pool_ticks in zip(plain, await _plain_ticks(client, [heads[i] for i in plain], block),
                                 strict=True):
            ticks[i] = pool_ticks
    out: list[PoolAdded] = []
    for (spec, token0, token1, fee, spacing, sqrt_price, tick, liquidity), pool_ticks in zip(
        heads, ticks, strict=True
    ):
        out.append(V3PoolAdded(
            chain_id, spec.address, token0, token1, fee, spacing, sqrt_price, tick, liquidity,
            pool_ticks or [], spec.dex, block,
        ))
    return out


async def _lens_ticks(client: RpcClient, heads: list[V3Head], block: int) -> list[Ticks | None]:
    """Each pool's ticks through the PoolLens, None where a call of it failed."""
    chunks: list[tuple[int, range]] = []
    for i, head in enumerate(heads):
        words = word_range(head[4])
        for start in range(words.start, words.stop, lens.WORDS_PER_CALL):
            chunks.append((i, range(start, min(start + lens.WORDS_PER_CALL, words.stop))))
    results = await client.batch([
        lens.call(heads[i][0].address, heads[i][4], r.start, r.stop - 1, block) for i, r in chunks
    ])
    ticks: list[Ticks | None] = [[] for _ in heads]
    for (i, _), result in zip(chunks, results, strict=True):
        pool_ticks = ticks[i]
        if pool_ticks is None:
            continue
        if isinstance(result, RpcError):  # no state overrides here, or over the gas cap
            ticks[i] = None
            continue
        try:
            pool_ticks.extend(lens.decode_ticks(abi.to_bytes(result or "0x")))
        except ValueError:  # the override was ignored: a call to an empty account
            ticks[i] = None
    return ticks


async def _plain_ticks(client: RpcClient, heads: list[V3Head], block: int) -> list[Ticks]:
    """Each pool's ticks from one eth_call per bitmap word and per initialized tick."""
    word_calls = [
        (i, w) for i, head in enumerate(heads) for w in word_range(head[4])
    ]
    words = await _results(client, [
        _call(heads[i][0].address, abi.calldata(abi.TICK_BITMAP, w), block) for i, w in word_calls
    ])
    initialized: list[list[int]] = [[] for _ in heads]
    for (i, w), result in zip(word_calls, words, strict=True):
        bitmap = _word0(result, f"{heads[i][0].address}: tickBitmap({w})")
        if bitmap:
            initialized[i].extend(set_ticks(w, bitmap, heads[i][4]))
    tick_calls = [(i, t) for i, ticks in enumerate(initialized) for t in ticks]
    rows = await _results(client, [
        _call(heads[i][0].address, abi.calldata(abi.TICKS, t), block) for i, t in tick_calls
    ])
    ticks: list[list[tuple[int, int, int]]] = [[] for _ in heads]
    for (i, t), result in zip(tick_calls, rows, strict=True):
        data = _data(result, f"{heads[i][0].address}: ticks({t})")
        ticks[i].append((t, abi.word(data, 0), abi.word(data, 1, signed=True)))
    return ticks


def _data(result: bytes | RpcError, what: str) -> bytes:
    if isinstance(result, RpcError):
        raise RpcError("eth_call", f"{what}: {result}")
    return result


def _word0(result: bytes | RpcError, what: str) -> int:
    return abi.word(_data(result, what), 0)


async def read_tokens(
    client: RpcClient, chain_id: int, addresses: Sequence[str], block: int
) -> tuple[list[TokenAdded], dict[str, str]]:
    """decimals() and symbol() of ``addresses``; a token without decimals() is a failure."""
    calls = [
        _call(a, "0x" + sel.hex(), block) for a in addresses for sel in (abi.DECIMALS, abi.SYMBOL)
    ]
    results = await _results(client, calls)
    tokens: list[TokenAdded] = []
    failures: dict[str, str] = {}
    for i, address in enumerate(addresses):
        decimals_raw, symbol_raw = results[2 * i], results[2 * i + 1]
        if isinstance(decimals_raw, RpcError) or not decimals_raw:
            failures[address] = f"token {address} has no decimals()"
            continue
        decimals = abi.word(decimals_raw, 0)
        if decimals > 77:
            failures[address] = f"token {address}: decimals() is {decimals}"
            continue
        symbol = "" if isinstance(symbol_raw, RpcError) else abi.decode_symbol(symbol_raw)
        tokens.append(TokenAdded(chain_id, address, decimals, symbol))
    return tokens, failures
