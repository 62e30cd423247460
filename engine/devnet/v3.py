"""Uniswap V3 on a dev chain: the real factory and pools (v3-core 1.0.1), and
the V3Caller helper that mints, burns, swaps (paying from its own token
balance) and reads a pool's whole state in one call."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal, localcontext
from typing import Any

from eth_abi.abi import decode
from eth_utils.crypto import keccak
from web3 import Web3

from engine.devnet import artifacts
from engine.devnet.rpc import Chain

MIN_TICK = -887272
MAX_TICK = 887272
MIN_SQRT_RATIO = 4295128739
MAX_SQRT_RATIO = 1461446703485210103287273052203988822378723970342
FEE_TIERS: dict[int, int] = {100: 1, 500: 10, 3000: 60, 10000: 200}  # fee -> tick spacing


def approx_sqrt_price_at_tick(tick: float) -> int:
    """sqrt(1.0001**tick) * 2**96, rounded down (a price to initialize a pool at)."""
    with localcontext() as ctx:
        ctx.prec = 90
        price = Decimal("1.0001") ** Decimal(tick)
        return math.isqrt(int(price * (Decimal(2) ** 192)))


def sqrt_price_x96_of(price: Decimal | float) -> int:
    """floor(sqrt(price) * 2**96) for a raw price (token1 units per token0 unit)."""
    with localcontext() as ctx:
        ctx.prec = 90
        return math.isqrt(int(Decimal(price) * (Decimal(2) ** 192)))


def compress(tick: int, spacing: int) -> int:
    return tick // spacing  # Python floors, as TickBitmap's compress does


def min_usable_tick(spacing: int) -> int:
    return -(-MIN_TICK // spacing) * spacing


def max_usable_tick(spacing: int) -> int:
    return (MAX_TICK // spacing) * spacing


@dataclass
class PoolState:
    """What engine_rs.V3Pool is built from, read from the chain."""

    sqrt_price_x96: int
    tick: int
    liquidity: int
    fee: int
    tick_spacing: int
    ticks: list[tuple[int, int]] = field(default_factory=list)  # (tick, liquidityNet), sorted

    def describe(self) -> str:
        return (
            f"PoolState(sqrt_price_x96={self.sqrt_price_x96}, tick={self.tick}, "
            f"liquidity={self.liquidity}, fee={self.fee}, tick_spacing={self.tick_spacing}, "
            f"ticks={self.ticks!r})"
        )


@dataclass(frozen=True)
class SwapEvent:
    amount0: int
    amount1: int
    sqrt_price_x96: int
    liquidity: int
    tick: int


@dataclass(frozen=True)
class Pool:
    address: str
    fee: int
    tick_spacing: int
    token0: str
    token1: str


class V3Dex:
    """A factory with all four fee tiers (100 enabled, as on mainnet since 2021)
    and the V3Caller that mints, burns and swaps on its pools.

    Deploys both unless given their addresses (``factory`` attaches to a running
    world); ``caller`` may be shared with another DEX (it only needs token balances)."""

    def __init__(self, chain: Chain, caller: str | None = None, factory: str | None = None):
        self.chain = chain
        self.factory_art = artifacts.v3("UniswapV3Factory")
        self.pool_art = artifacts.v3("UniswapV3Pool")
        self.caller_art = artifacts.helpers()["V3Caller"]
        self.swap_topic = "0x" + self.pool_art.event_topic("Swap").hex()

        if factory is None:
            factory = chain.deploy(self.factory_art.constructor())
            chain.transact(factory, self.factory_art.encode("enableFeeAmount", 100, 1))
        self.factory = factory
        self.caller = caller or chain.deploy(self.caller_art.constructor())

    @property
    def init_code_hash(self) -> bytes:
        """keccak256 of the pool's creation code: this deployment's CREATE2 constant."""
        return keccak(self.pool_art.bytecode)

    # --- factory ------------------------------------------------------------

    def fee_tick_spacing(self, fee: int) -> int:
        out = self.chain.call(self.factory, self.factory_art.encode("feeAmountTickSpacing", fee))
        return int(self.factory_art.decode_output("feeAmountTickSpacing", out)[0])

    def create_pool(self, token_a: str, token_b: str, fee: int, sqrt_price_x96: int) -> Pool:
        self.chain.transact(
            self.factory, self.factory_art.encode("createPool", token_a, token_b, fee)
        )
        out = self.chain.call(
            self.factory, self.factory_art.encode("getPool", token_a, token_b, fee)
        )
        address = Web3.to_checksum_address(self.factory_art.decode_output("getPool", out)[0])
        self.chain.transact(address, self.pool_art.encode("initialize", sqrt_price_x96))
        t0, t1 = sorted((token_a, token_b), key=lambda a: int(a, 16))
        return Pool(address, fee, FEE_TIERS[fee], t0, t1)

    # --- positions ------------------------------------------------------------

    def mint_calldata(self, pool: Pool, lower: int, upper: int, liquidity: int) -> bytes:
        return self.caller_art.encode("mint", pool.address, lower, upper, liquidity)

    def burn_calldata(self, pool: Pool, lower: int, upper: int, liquidity: int) -> bytes:
        return self.caller_art.encode("burn", pool.address, lower, upper, liquidity)

    def mint(self, pool: Pool, lower: int, upper: int, liquidity: int) -> None:
        self.chain.transact(self.caller, self.mint_calldata(pool, lower, upper, liquidity))

    def burn(self, pool: Pool, lower: int, upper: int, liquidity: int) -> None:
        self.chain.transact(self.caller, self.burn_calldata(pool, lower, upper, liquidity))

    # --- reads ------------------------------------------------------------------

    def read_slot(self, pool: Pool) -> tuple[int, int, int]:
        """(sqrtPriceX96, tick, liquidity) from slot0() and liquidity()."""
        out = self.chain.call(self.caller, self.caller_art.encode("readState", pool.address))
        sqrt_price, tick, liquidity = self.caller_art.decode_output("readState", out)
        return int(sqrt_price), int(tick), int(liquidity)

    def read_ticks(self, pool: Pool) -> list[tuple[int, int, int]]:
        """Every initialized tick as (tick, liquidityNet, liquidityGross), ascending."""
        out = self.chain.call(self.caller, self.caller_art.encode("readTicks", pool.address))
        (rows,) = self.caller_art.decode_output("readTicks", out)
        return [(int(t), int(net), int(gross)) for t, net, gross in rows]

    def read_state(self, pool: Pool) -> PoolState:
        sqrt_price, tick, liquidity = self.read_slot(pool)
        ticks = [(t, net) for t, net, _ in self.read_ticks(pool)]
        return PoolState(sqrt_price, tick, liquidity, pool.fee, pool.tick_spacing, ticks)

    # --- swaps ------------------------------------------------------------------

    def swap_calldata(
        self, pool: Pool, zero_for_one: bool, amount_specified: int, limit: int
    ) -> bytes:
        return self.caller_art.encode("swap", pool.address, zero_for_one, amount_specified, limit)

    def swap_by_factor_calldata(
        self, pool: Pool, zero_for_one: bool, amount_specified: int, move: float
    ) -> bytes:
        """Swap until the price moved by ``move`` (relative) from where it is when mined."""
        factor = math.sqrt(1 - move) if zero_for_one else math.sqrt(1 + move)
        return self.caller_art.encode(
            "swapByFactor", pool.address, zero_for_one, amount_specified, int(factor * 2**96)
        )

    def swap(self, pool: Pool, zero_for_one: bool, amount_specified: int, limit: int) -> SwapEvent:
        """Executes the swap in its own block; raises rpc.Revert with the reason."""
        receipt = self.chain.transact(
            self.caller, self.swap_calldata(pool, zero_for_one, amount_specified, limit)
        )
        return self.swap_event(receipt, pool)

    def probe_swap(
        self, pool: Pool, zero_for_one: bool, amount_specified: int, limit: int
    ) -> tuple[int, int]:
        """eth_call of the swap: (amount0, amount1), or raises rpc.Revert. Changes nothing."""
        out = self.chain.call(
            self.caller, self.swap_calldata(pool, zero_for_one, amount_specified, limit)
        )
        amount0, amount1 = decode(["int256", "int256"], out)
        return int(amount0), int(amount1)

    def swap_event(self, receipt: dict[str, Any], pool: Pool) -> SwapEvent:
        address = pool.address.lower()
        logs = [
            log
            for log in receipt["logs"]
            if log["address"].lower() == address and log["topics"][0] == self.swap_topic
        ]
        if len(logs) != 1:
            raise AssertionError(
                f"expected one Swap event from {pool.address}, got {len(logs)}: {receipt}"
            )
        a0, a1, sqrt_price, liquidity, tick = decode(
            ["int256", "int256", "uint160", "uint128", "int24"], bytes.fromhex(logs[0]["data"][2:])
        )
        return SwapEvent(a0, a1, sqrt_price, liquidity, tick)
