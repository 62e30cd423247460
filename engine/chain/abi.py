"""Event topics, call selectors and the decoders the chain layer needs.

Hand-rolled on 32-byte words instead of web3's contract layer: the snapshot
decodes tens of thousands of call results and the follower every pool log,
and each of these is a fixed layout of a few words.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from eth_utils.crypto import keccak

MIN_TICK = -887272
MAX_TICK = 887272


def _topic(signature: str) -> str:
    return "0x" + keccak(text=signature).hex()


def _selector(signature: str) -> bytes:
    return keccak(text=signature)[:4]


# --- events -------------------------------------------------------------------

SYNC = _topic("Sync(uint112,uint112)")  # UniswapV2Pair (and forks)
V3_SWAP = _topic("Swap(address,address,int256,int256,uint160,uint128,int24)")
V3_MINT = _topic("Mint(address,address,int24,int24,uint128,uint256,uint256)")
V3_BURN = _topic("Burn(address,int24,int24,uint128,uint256,uint256)")
PAIR_CREATED = _topic("PairCreated(address,address,address,uint256)")  # V2 factory
POOL_CREATED = _topic("PoolCreated(address,address,uint24,int24,address)")  # V3 factory

POOL_EVENT_TOPICS = [SYNC, V3_SWAP, V3_MINT, V3_BURN]
FACTORY_EVENT_TOPICS = [PAIR_CREATED, POOL_CREATED]

# --- calls ----------------------------------------------------------------------

TOKEN0 = _selector("token0()")
TOKEN1 = _selector("token1()")
GET_RESERVES = _selector("getReserves()")
SLOT0 = _selector("slot0()")
LIQUIDITY = _selector("liquidity()")
FEE = _selector("fee()")
TICK_SPACING = _selector("tickSpacing()")
TICK_BITMAP = _selector("tickBitmap(int16)")
TICKS = _selector("ticks(int24)")
DECIMALS = _selector("decimals()")
SYMBOL = _selector("symbol()")
LATEST_ROUND_DATA = _selector("latestRoundData()")  # Chainlink AggregatorV3Interface


def calldata(selector: bytes, *int_args: int) -> str:
    """0x-hex calldata of a call whose arguments are (signed) integers."""
    words = b"".join(a.to_bytes(32, "big", signed=True) for a in int_args)
    return "0x" + (selector + words).hex()


# --- words ------------------------------------------------------------------------


def to_bytes(hex_data: str) -> bytes:
    return bytes.fromhex(hex_data.removeprefix("0x"))


def word(data: bytes, index: int, *, signed: bool = False) -> int:
    """The ``index``-th 32-byte word; raises ValueError when the data is too short."""
    chunk = data[32 * index : 32 * (index + 1)]
    if len(chunk) != 32:
        raise ValueError(f"expected at least {index + 1} words, got {len(data)} bytes")
    return int.from_bytes(chunk, "big", signed=signed)


def address_word(data: bytes, index: int) -> str:
    value = word(data, index)
    if value >> 160:
        raise ValueError(f"word {index} is not an address")
    return "0x" + value.to_bytes(20, "big").hex()


def topic_int(topic: str, *, signed: bool = False) -> int:
    return int.from_bytes(to_bytes(topic), "big", signed=signed)


def topic_address(topic: str) -> str:
    return "0x" + to_bytes(topic)[12:].hex()


def decode_symbol(data: bytes) -> str:
    """ERC-20 ``symbol()``: an ABI string, or a bytes32 (old tokens such as MKR)."""
    if len(data) == 32:
        return data.rstrip(b"\0").decode(errors="replace")
    try:
        offset, length = word(data, 0), word(data, 1)
        return data[offset + 32 : offset + 32 + length].decode(errors="replace")
    except ValueError:
        return ""


# --- logs ---------------------------------------------------------------------------


def log_update(chain_id: int, log: Mapping[str, Any], kind: str) -> tuple[object, ...] | None:
    """The engine_rs update a pool log carries (``kind`` is the pool's, "v2"/"v3"), or
    None for a log that changes nothing (a V3 ``Burn`` of 0, used to collect fees)."""
    topics: list[str] = log["topics"]
    topic0 = topics[0]
    pool = str(log["address"]).lower()
    data = to_bytes(log["data"])
    if topic0 == SYNC and kind == "v2":
        return ("sync", chain_id, pool, word(data, 0), word(data, 1))
    if topic0 == V3_SWAP and kind == "v3":
        # amount0, amount1, sqrtPriceX96, liquidity, tick
        return ("swap", chain_id, pool, word(data, 2), word(data, 3), word(data, 4, signed=True))
    if topic0 == V3_MINT and kind == "v3":
        # indexed owner, tickLower, tickUpper; data: sender, amount, amount0, amount1
        lower, upper = topic_int(topics[2], signed=True), topic_int(topics[3], signed=True)
        return ("mint", chain_id, pool, lower, upper, word(data, 1))
    if topic0 == V3_BURN and kind == "v3":
        # indexed owner, tickLower, tickUpper; data: amount, amount0, amount1
        amount = word(data, 0)
        if amount == 0:
            return None
        lower, upper = topic_int(topics[2], signed=True), topic_int(topics[3], signed=True)
        return ("burn", chain_id, pool, lower, upper, amount)
    raise ValueError(f"log {log.get('logIndex')} of {pool}: topic {topic0} is not a {kind} pool event")
