"""Uniswap V3 on anvil: the real factory and pools (v3-core 1.0.1), test
tokens, and the V3Caller helper that mints, burns, swaps and reads state."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal, localcontext

from eth_abi import decode
from web3 import Web3

from tests.chain import artifacts
from tests.chain.anvil import Chain

MIN_TICK = -887272
MAX_TICK = 887272
MIN_SQRT_RATIO = 4295128739
MAX_SQRT_RATIO = 1461446703485210103287273052203988822378723970342
FEE_TIERS: dict[int, int] = {100: 1, 500: 10, 3000: 60, 10000: 200}  # fee -> tick spacing
TOKEN_SUPPLY = 2**250  # minted to the caller per token: covers any swap the pools can absorb


def approx_sqrt_price_at_tick(tick: float) -> int:
    """sqrt(1.0001**tick) * 2**96, rounded down (a price to initialize a pool at)."""
    with localcontext() as ctx:
        ctx.prec = 90
        price = Decimal("1.0001") ** Decimal(tick)
        return math.isqrt(int(price * (Decimal(2) ** 192)))


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


class V3World:
    """Factory with all four fee tiers, three tokens and a funded V3Caller."""

    def __init__(self, chain: Chain, n_tokens: int = 3):
        self.chain = chain
        self.factory_art = artifacts.v3("UniswapV3Factory")
        self.pool_art = artifacts.v3("UniswapV3Pool")
        helpers = artifacts.helpers()
        self.token_art = helpers["TestToken"]
        self.caller_art = helpers["V3Caller"]
        self.swap_topic = "0x" + self.pool_art.event_topic("Swap").hex()

        self.factory = chain.deploy(self.factory_art.constructor())
        chain.transact(self.factory, self.factory_art.encode("enableFeeAmount", 100, 1))
        self.caller = chain.deploy(self.caller_art.constructor())
        self.tokens = sorted(
            (
                chain.deploy(self.token_art.constructor(f"Token{i}", f"T{i}"))
                for i in range(n_tokens)
            ),
            key=lambda a: int(a, 16),
        )
        for token in self.tokens:
            chain.transact(token, self.token_art.encode("mint", self.caller, TOKEN_SUPPLY))

    # --- factory ------------------------------------------------------------

    def fee_tick_spacing(self, fee: int) -> int:
        out = self.chain.call(self.factory, self.factory_art.encode("feeAmountTickSpacing", fee))
        return self.factory_art.decode_output("feeAmountTickSpacing", out)[0]

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

    def mint(self, pool: Pool, lower: int, upper: int, liquidity: int) -> None:
        self.chain.transact(
            self.caller, self.caller_art.encode("mint", pool.address, lower, upper, liquidity)
        )

    def burn(self, pool: Pool, lower: int, upper: int, liquidity: int) -> None:
        self.chain.transact(
            self.caller, self.caller_art.encode("burn", pool.address, lower, upper, liquidity)
        )

    # --- reads ------------------------------------------------------------------

    def read_slot(self, pool: Pool) -> tuple[int, int, int]:
        """(sqrtPriceX96, tick, liquidity) from slot0() and liquidity()."""
        out = self.chain.call(self.caller, self.caller_art.encode("readState", pool.address))
        return self.caller_art.decode_output("readState", out)

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

    def swap(self, pool: Pool, zero_for_one: bool, amount_specified: int, limit: int) -> SwapEvent:
        """Executes the swap in its own block; raises anvil.Revert with the reason."""
        receipt = self.chain.transact(
            self.caller, self.swap_calldata(pool, zero_for_one, amount_specified, limit)
        )
        return self.swap_event(receipt, pool)

    def probe_swap(
        self, pool: Pool, zero_for_one: bool, amount_specified: int, limit: int
    ) -> tuple[int, int]:
        """eth_call of the swap: (amount0, amount1), or raises anvil.Revert. Changes nothing."""
        out = self.chain.call(
            self.caller, self.swap_calldata(pool, zero_for_one, amount_specified, limit)
        )
        return decode(["int256", "int256"], out)

    def swap_event(self, receipt: dict, pool: Pool) -> SwapEvent:
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
