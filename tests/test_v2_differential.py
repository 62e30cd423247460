"""engine_rs.v2_get_amount_out / v2_get_amount_in against the real
UniswapV2Pair bytecode (v2-core 1.0.1) on anvil, fee 30 bps.

For random reserves (set by funding a fresh pair and calling sync() or
mint()) and random amounts, with a fixed seed:

- ``out = v2_get_amount_out(amount_in, r_in, r_out)``: paying ``amount_in``
  and taking ``out`` is accepted by the pair (a real transaction, whose Swap
  event is checked); taking ``out + 1`` is rejected with ``UniswapV2: K``
  (an eth_call against the same state).
- ``amount_in = v2_get_amount_in(out, r_in, r_out)``: paying it buys ``out``;
  one wei less is rejected with ``UniswapV2: K``.
- asking for the whole reserve or more: engine_rs raises SwapRevert, the pair
  reverts with ``UniswapV2: INSUFFICIENT_LIQUIDITY``.
- the batch forms equal the single calls.

Follow-up: a second V2 protocol with another fee (PancakeSwap V2, 20 bps,
``npm pack @pancakeswap-libs/pancake-swap-core@0.1.0``) is not installed here.
"""

from __future__ import annotations

import json
import math
import random
from typing import Any

import pytest

from engine.devnet.paths import REPO_ROOT
from engine.devnet.rpc import Revert
from engine.devnet.v2 import UINT112_MAX
from tests.chain import stats
from tests.chain.v2 import V2World

pytestmark = pytest.mark.chain

SEED = 0x5EED_2
# each reserve set: one amount-out case, one amount-in case, sometimes a too-large request
RESERVE_SETS = 250
FEE_BPS = 30
FAILURE_DIR = REPO_ROOT / ".cache" / "differential-failures"
MAX_REPORTED = 5
K = "UniswapV2: K"


@pytest.fixture(scope="module")
def engine():
    return pytest.importorskip("engine_rs", reason="engine_rs is not built (make build)")


@pytest.fixture(scope="module")
def v2(module_chain) -> V2World:
    return V2World(module_chain)


def _reserve(rng: random.Random) -> int:
    r = rng.random()
    if r < 0.1:
        return rng.randrange(1, 1000)
    if r < 0.2:
        return UINT112_MAX - rng.randrange(1000, 2**60)  # near the uint112 cap
    return int(10 ** rng.uniform(3, 33.5))


def _amount(rng: random.Random, reserve: int, cap: int) -> int:
    """1 <= amount <= cap (cap >= 1), spread from 1 wei to far beyond the reserve."""
    r = rng.random()
    if r < 0.1:
        amount = rng.randrange(1, 100)
    elif r < 0.2:
        amount = cap - rng.randrange(0, min(cap, 1000))  # huge: the most the pair can hold
    else:
        amount = int(reserve * 10 ** rng.uniform(-12, 4)) + rng.randrange(0, 10)
    return max(1, min(amount, cap))


def _reason(fn) -> str | None:
    try:
        fn()
    except Revert as exc:
        return exc.reason
    return None


class Checker:
    def __init__(self, v2: V2World, engine, seed: int):
        self.v2 = v2
        self.engine = engine
        self.seed = seed
        self.mismatches: list[dict[str, Any]] = []
        self.tally = stats.counter("V2 fee 30 bps")
        self.out_quotes: list[tuple[tuple[int, int, int], int]] = []
        self.in_quotes: list[tuple[tuple[int, int, int], int]] = []

    def fail(self, case: str, **info: Any) -> None:
        self.mismatches.append({"seed": self.seed, "case": case, "fee_bps": FEE_BPS, **info})

    def directions(self, zfo: bool) -> tuple[int, int]:
        r0, r1 = self.v2.reserves()
        return (r0, r1) if zfo else (r1, r0)

    def amount_out_case(self, rng: random.Random, zfo: bool) -> None:
        r_in, r_out = self.directions(zfo)
        amount_in = _amount(rng, r_in, UINT112_MAX - r_in)
        out = self.engine.v2_get_amount_out(amount_in, r_in, r_out, FEE_BPS)
        self.out_quotes.append(((amount_in, r_in, r_out), out))
        info = {
            "zero_for_one": zfo,
            "reserve_in": r_in,
            "reserve_out": r_out,
            "amount_in": amount_in,
            "engine_out": out,
        }
        more = _reason(lambda: self.v2.probe_swap(zfo, amount_in, out + 1))
        want_more = K if out + 1 < r_out else "UniswapV2: INSUFFICIENT_LIQUIDITY"
        if more != want_more:
            self.fail(
                "v2_get_amount_out: one more wei out must be rejected",
                chain_out_plus_1=more,
                expected=want_more,
                **info,
            )
        self.tally["amount_out: out+1 rejected"] += more == want_more
        if out == 0:
            self.tally["amount_out: quote 0 (input too small)"] += 1
            return
        try:
            event = self.v2.swap(zfo, amount_in, out)
        except Revert as exc:
            self.fail(
                "v2_get_amount_out: the quoted output must be accepted", chain=exc.reason, **info
            )
            return
        got = (
            (event.amount0_in, event.amount1_out) if zfo else (event.amount1_in, event.amount0_out)
        )
        if got != (amount_in, out):
            self.fail("v2_get_amount_out: Swap event", chain_event=vars(event), **info)
        self.tally["amount_out: quote accepted (swap executed)"] += 1

    def amount_in_case(self, rng: random.Random, zfo: bool) -> None:
        r_in, r_out = self.directions(zfo)
        if r_out < 2:
            return
        for _ in range(4):
            out = _amount(rng, r_out, r_out - 1)
            amount_in = self.engine.v2_get_amount_in(out, r_in, r_out, FEE_BPS)
            self.in_quotes.append(((out, r_in, r_out), amount_in))
            if r_in + amount_in <= UINT112_MAX:
                break
            # the pair would revert with UniswapV2: OVERFLOW
            self.tally["amount_in: beyond uint112 (drawn again)"] += 1
        else:
            return
        info = {
            "zero_for_one": zfo,
            "reserve_in": r_in,
            "reserve_out": r_out,
            "amount_out": out,
            "engine_in": amount_in,
        }
        less = _reason(lambda: self.v2.probe_swap(zfo, amount_in - 1, out))
        want_less = K if amount_in > 1 else "UniswapV2: INSUFFICIENT_INPUT_AMOUNT"
        if less != want_less:
            self.fail(
                "v2_get_amount_in: one wei less must be rejected",
                chain_in_minus_1=less,
                expected=want_less,
                **info,
            )
        self.tally["amount_in: in-1 rejected"] += less == want_less
        try:
            event = self.v2.swap(zfo, amount_in, out)
        except Revert as exc:
            self.fail(
                "v2_get_amount_in: the quoted input must buy the output", chain=exc.reason, **info
            )
            return
        got = (
            (event.amount0_in, event.amount1_out) if zfo else (event.amount1_in, event.amount0_out)
        )
        if got != (amount_in, out):
            self.fail("v2_get_amount_in: Swap event", chain_event=vars(event), **info)
        self.tally["amount_in: quote accepted (swap executed)"] += 1

    def too_much_case(self, rng: random.Random, zfo: bool) -> None:
        r_in, r_out = self.directions(zfo)
        out = r_out + rng.choice([0, 0, 1, rng.randrange(1, 2**64)])
        try:
            quoted = self.engine.v2_get_amount_in(out, r_in, r_out, FEE_BPS)
            engine_reason = None
        except self.engine.SwapRevert as exc:
            quoted, engine_reason = None, exc.reason
        chain = _reason(lambda: self.v2.probe_swap(zfo, min(UINT112_MAX - r_in, 10**30), out))
        if engine_reason is None or chain != "UniswapV2: INSUFFICIENT_LIQUIDITY":
            self.fail(
                "amount_out >= reserve_out: both must revert",
                zero_for_one=zfo,
                reserve_in=r_in,
                reserve_out=r_out,
                amount_out=out,
                engine=quoted if engine_reason is None else {"revert": engine_reason},
                chain=chain,
            )
        self.tally["amount_in: whole reserve or more, both revert"] += 1

    def report(self) -> str:
        FAILURE_DIR.mkdir(parents=True, exist_ok=True)
        for i, record in enumerate(self.mismatches[:MAX_REPORTED]):
            (FAILURE_DIR / f"v2-{i}.json").write_text(json.dumps(record, indent=1))
        shown = "\n".join(f"  {r}" for r in self.mismatches[:MAX_REPORTED])
        return (
            f"{len(self.mismatches)} V2 case(s) differ from the real pair "
            f"(first {min(len(self.mismatches), MAX_REPORTED)}, JSON in {FAILURE_DIR}):\n{shown}"
        )


def test_v2_quotes_match_pair(engine, v2: V2World):
    rng = random.Random(SEED)
    check = Checker(v2, engine, SEED)
    chain = v2.chain
    clean = chain.snapshot()  # the pair with no reserves
    for _ in range(RESERVE_SETS):
        chain.revert_to(clean)
        clean = chain.snapshot()
        r0, r1 = _reserve(rng), _reserve(rng)
        # mint() needs liquidity above MINIMUM_LIQUIDITY; sync() takes any reserves
        use_mint = math.isqrt(r0 * r1) > 1000 and rng.random() < 0.5
        v2.fund(r0, r1, use_mint)
        assert v2.reserves() == (r0, r1)
        check.tally["reserve sets (mint)" if use_mint else "reserve sets (sync)"] += 1
        check.amount_out_case(rng, rng.random() < 0.5)
        check.amount_in_case(rng, rng.random() < 0.5)
        if rng.random() < 0.1:
            check.too_much_case(rng, rng.random() < 0.5)
    chain.revert_to(clean)

    # the batch forms say the same as the single calls
    out_batch = engine.v2_get_amount_out_batch([q for q, _ in check.out_quotes], FEE_BPS)
    in_batch = engine.v2_get_amount_in_batch([q for q, _ in check.in_quotes], FEE_BPS)
    for (q, single), batched in zip(check.out_quotes, out_batch, strict=True):
        if single != batched:
            check.fail(
                "v2_get_amount_out_batch differs from v2_get_amount_out",
                quote=q,
                single=single,
                batch=batched,
            )
    for (q, single), batched in zip(check.in_quotes, in_batch, strict=True):
        if single != batched:
            check.fail(
                "v2_get_amount_in_batch differs from v2_get_amount_in",
                quote=q,
                single=single,
                batch=batched,
            )

    assert not check.mismatches, check.report()
    assert check.tally["amount_out: quote accepted (swap executed)"] >= 150, dict(check.tally)
    assert check.tally["amount_in: quote accepted (swap executed)"] >= 150, dict(check.tally)
