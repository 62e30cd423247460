"""An opportunity as an ArbExecutor call, and the executor's answers decoded.

The route encoding is the contract's (contracts/README.md): ``execute(Hop[] hops,
uint256 amountIn, uint256 minProfit, uint256 deadlineBlock, bool flash)``,
``Hop = (pool, tokenIn, tokenOut, factory, fee pips, kind 0=V2/1=V3)``.
The pool metadata the engine_rs Opportunity does not carry (factory, fee,
kind) comes from the engine's pool view and the chain's DEX configuration.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from eth_abi.abi import decode, encode
from eth_utils.crypto import keccak

import engine_rs
from engine.config import ChainConfig
from engine.core.state import PoolView, fee_pips, is_v2

EXECUTE_SIGNATURE = "execute((address,address,address,address,uint24,uint8)[],uint256,uint256,uint256,bool)"
EXECUTE_SELECTOR = keccak(text=EXECUTE_SIGNATURE)[:4]
_EXECUTE_ARGS = ["(address,address,address,address,uint24,uint8)[]", "uint256", "uint256", "uint256",
                 "bool"]
TRADE_EXECUTED_TOPIC = "0x" + keccak(text="TradeExecuted(address,uint256,uint256,bool)").hex()

# The executor's custom errors (contracts/README.md), and the two Solidity built-ins.
_ERRORS = [
    ("Unauthorized", ["address"]), ("Reentrancy", []), ("DeadlineExpired", ["uint256", "uint256"]),
    ("InvalidAmountIn", ["uint256"]), ("InvalidRouteLength", ["uint256"]), ("InvalidHop", ["uint256"]),
    ("BrokenRoute", ["uint256"]), ("FactoryNotWhitelisted", ["address"]), ("NotAPool", ["address"]),
    ("UnexpectedCallback", ["address"]), ("InsufficientProfit", ["int256", "uint256"]),
    ("TransferFailed", ["address", "address", "uint256"]), ("ZeroAddress", []),
    ("Error", ["string"]), ("Panic", ["uint256"]),
]
ERRORS: dict[bytes, tuple[str, list[str]]] = {
    keccak(text=f"{name}({','.join(types)})")[:4]: (name, types) for name, types in _ERRORS
}


class RouteError(ValueError):
    """The opportunity cannot be encoded (a pool without a known factory, a bad route)."""


@dataclass(frozen=True, slots=True)
class Hop:
    pool: str
    token_in: str
    token_out: str
    factory: str
    fee: int  # pips
    kind: int  # 0 = V2, 1 = V3

    def as_tuple(self) -> tuple[str, str, str, str, int, int]:
        return (self.pool, self.token_in, self.token_out, self.factory, self.fee, self.kind)


class PoolDirectory:
    """Factory of every pool of one chain: the configured pool list, else its DEX's name."""

    def __init__(self, chain: ChainConfig) -> None:
        self.chain_id = chain.chain_id
        self._dex_factory = {d.name: d.factory for d in chain.dexes}
        self._pool_dex = {p.address: p.dex for p in chain.pools}

    def factory(self, pool: PoolView) -> str:
        dex = self._pool_dex.get(pool.address) or pool.dex
        factory = self._dex_factory.get(dex)
        if factory is None:
            raise RouteError(f"pool {pool.address}: no factory configured for DEX {dex!r}")
        return factory


def hops(
    opportunity: engine_rs.Opportunity,
    find_pool: Callable[[int, str], PoolView | None],
    directory: PoolDirectory,
) -> list[Hop]:
    """The route's hops; ``find_pool(chain_id, address)`` is the engine's pool lookup."""
    route = []
    tokens = opportunity.tokens
    for i, address in enumerate(opportunity.pools):
        pool = find_pool(opportunity.chain_id, address)
        if pool is None:
            raise RouteError(f"pool {address} is not in the engine's market")
        kind = 0 if is_v2(pool) else 1
        route.append(Hop(address, tokens[i], tokens[i + 1], directory.factory(pool), fee_pips(pool), kind))
    if not 2 <= len(route) <= 4 or route[-1].token_out != route[0].token_in:
        raise RouteError(f"not a 2- to 4-hop cycle: {tokens}")
    return route


def execute_calldata(
    route: list[Hop], amount_in: int, min_profit: int, deadline_block: int, flash: bool
) -> bytes:
    return EXECUTE_SELECTOR + encode(
        _EXECUTE_ARGS, [[h.as_tuple() for h in route], amount_in, min_profit, deadline_block, flash]
    )


def decode_profit(result: bytes) -> int:
    (profit,) = decode(["uint256"], result)
    return int(profit)


def decode_revert(data: bytes) -> str:
    """``InsufficientProfit(profit=-5, minProfit=0)``; the raw hex when the selector is unknown."""
    known = ERRORS.get(data[:4])
    if known is None:
        return f"revert 0x{data.hex()}" if data else "revert (no data)"
    name, types = known
    try:
        values = decode(types, data[4:])
    except Exception:  # noqa: BLE001 - malformed revert data is still reported
        return f"{name}(undecodable 0x{data[4:].hex()})"
    if name == "Error":
        return str(values[0])
    return f"{name}({', '.join(str(v) for v in values)})"


@dataclass(frozen=True, slots=True)
class TradeExecuted:
    start_token: str
    amount_in: int
    profit: int
    flash: bool


def trade_executed(receipt: Mapping[str, Any], executor: str) -> TradeExecuted | None:
    """The executor's TradeExecuted event in a receipt (None when it has none)."""
    for log in receipt.get("logs", []):
        topics = log.get("topics", [])
        if (topics and topics[0].lower() == TRADE_EXECUTED_TOPIC
                and str(log.get("address", "")).lower() == executor.lower()):
            amount_in, profit, flash = decode(
                ["uint256", "uint256", "bool"], bytes.fromhex(log["data"][2:])
            )
            return TradeExecuted("0x" + topics[1][-40:].lower(), int(amount_in), int(profit),
                                 bool(flash))
    return None
