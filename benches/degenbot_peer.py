"""Times degenbot 0.3.0's V2/V3 math on the benches' cases; run with ``.venv-degenbot/bin/python``.

degenbot 0.3.0 pins web3 7.x (the project runs web3 8), so it lives in a venv
of its own and runs here, in a subprocess of the pytest session
(``benches/conftest.py``). Reads the cases as JSON on stdin (see
``bench_cases.py``), prints one JSON object on stdout:

    {"degenbot": "0.3.0", "python": "3.11.7",
     "v2": {"results": [...], "stats": {...}},
     "v3": [{"name": ..., "result": [amount0, amount1, sqrt_price_x96, liquidity, tick],
             "cold": {...}, "warm": {...}}, ...]}

What is timed is the code degenbot's pools run, not a re-implementation:

- V2: ``degenbot.uniswap.v2_functions.constant_product_calc_exact_in``, the
  function ``UniswapV2Pool.calculate_tokens_out_from_tokens_in`` returns, in a
  Python loop over the 10,000 quotes (fee ``Fraction(fee_bps, 10000)``).
- V3: ``UniswapV3Pool._calculate_swap``, the swap loop behind
  ``calculate_tokens_out_from_tokens_in`` / ``simulate_exact_input_swap``, on a
  pool object built offline: ``UniswapV3Pool.__init__`` reads slot0, the
  tokens and the tick bitmap through a web3 connection, so the instance is
  made with ``__new__`` and given the state ``__init__`` would have stored
  (complete ``tick_data`` and ``tick_bitmap`` -> ``sparse_liquidity_map =
  False``, as ``__init__`` sets it when both are passed).

degenbot memoizes its V3 library functions (``functools.lru_cache``, 1024
entries: ``compute_swap_step``, ``muldiv``, the SqrtPriceMath functions,
``get_sqrt_ratio_at_tick``, ...). Repeating one swap therefore times cache
hits, not math. Three measurements per V3 case:

- ``fresh``: each call swaps a new amount (``amount + i``, i = 1, 2, ...; the
  same ticks are crossed), caches left as they are: what a new quote costs in a
  running bot, where the TickMath of recurring ticks hits and the swap steps
  miss. This is degenbot's headline figure.
- ``cold``: the case's amount with every cache cleared before each call
  (outside the timed region): an upper bound.
- ``warm``: the same swap repeated, caches kept: a lower bound (cache hits).

engine_rs and the reference have no caches: repeating a swap costs what a
new one does.

Timing: ``time.perf_counter_ns`` around each call (V3) or each whole batch
(V2, divided by the batch size); stats over the repetitions (p50, p99, min,
mean), after a short warm-up; the repetitions run for ``budget_s`` seconds
(at least ``min_rounds``).
"""

from __future__ import annotations

import functools
import importlib.metadata
import itertools
import json
import math
import platform
import sys
import time
from fractions import Fraction
from typing import Any


def _stats(samples_ns: list[float]) -> dict[str, float]:
    data = sorted(samples_ns)
    n = len(data)

    def pct(p: float) -> float:
        # nearest-rank percentile
        return data[max(0, math.ceil(p / 100 * n) - 1)]

    return {
        "rounds": n,
        "min": data[0],
        "p50": pct(50),
        "p99": pct(99),
        "max": data[-1],
        "mean": sum(data) / n,
    }


def _lru_caches() -> list[Any]:
    """Every ``lru_cache``-wrapped function in degenbot's V3 libraries and pool module."""
    import degenbot.uniswap.v3_functions
    import degenbot.uniswap.v3_libraries as libs
    import degenbot.uniswap.v3_liquidity_pool
    from degenbot.uniswap.v3_libraries import (
        bit_math,
        full_math,
        functions,
        liquidity_math,
        sqrt_price_math,
        swap_math,
        tick,
        tick_bitmap,
        tick_math,
        unsafe_math,
    )

    modules = [
        libs,
        bit_math,
        full_math,
        functions,
        liquidity_math,
        sqrt_price_math,
        swap_math,
        tick,
        tick_bitmap,
        tick_math,
        unsafe_math,
        degenbot.uniswap.v3_functions,
        degenbot.uniswap.v3_liquidity_pool,
    ]
    seen: dict[int, Any] = {}
    for module in modules:
        for obj in vars(module).values():
            if callable(obj) and hasattr(obj, "cache_clear") and hasattr(obj, "cache_info"):
                seen[id(obj)] = obj
    return list(seen.values())


def _make_v3_pool(state: dict[str, Any]) -> Any:
    """A ``UniswapV3Pool`` holding ``state`` without a web3 connection (see module doc)."""
    from threading import Lock

    from degenbot.uniswap.types import UniswapV3BitmapAtWord, UniswapV3LiquidityAtTick
    from degenbot.uniswap.v3_libraries.tick_bitmap import flip_tick
    from degenbot.uniswap.v3_liquidity_pool import UniswapV3Pool

    pool = UniswapV3Pool.__new__(UniswapV3Pool)
    pool.address = "0x" + "11" * 20
    pool.fee = state["fee"]
    pool.tick_spacing = state["tick_spacing"]
    pool.sparse_liquidity_map = False
    pool._state_lock = Lock()

    tick_data = {
        t: UniswapV3LiquidityAtTick(liquidity_net=net, liquidity_gross=gross)
        for t, net, gross in state["ticks"]
    }
    tick_bitmap: dict[int, UniswapV3BitmapAtWord] = {}
    for t, _, _ in state["ticks"]:
        word = (t // state["tick_spacing"]) >> 8
        tick_bitmap.setdefault(word, UniswapV3BitmapAtWord())
        flip_tick(tick_bitmap, t, state["tick_spacing"])
    pool._state = UniswapV3Pool.PoolState(
        pool=pool.address,
        liquidity=state["liquidity"],
        sqrt_price_x96=state["sqrt_price_x96"],
        tick=state["tick"],
        tick_bitmap=tick_bitmap,
        tick_data=tick_data,
    )
    return pool


def _repeat(fn: Any, before: Any, budget_s: float, min_rounds: int, warmup: int) -> list[float]:
    """Times ``fn(*before())`` (``before`` untimed) for ``budget_s`` and ``min_rounds``."""
    for _ in range(warmup):
        fn(*before())
    samples: list[float] = []
    clock = time.perf_counter_ns
    deadline = clock() + int(budget_s * 1e9)
    while len(samples) < min_rounds or clock() < deadline:
        args = before()
        t0 = clock()
        fn(*args)
        samples.append(clock() - t0)
    return samples


def _repeat_fresh(
    pool: Any, zero_for_one: bool, amount: int, limit: int, budget_s: float, min_rounds: int
) -> tuple[list[float], list[Any], int]:
    """Times swaps of ``amount + 1``, ``amount + 2``, ...: samples, last result, amounts used."""
    bump = itertools.count(1)
    last: list[Any] = []

    def fresh_swap(amount_in: int) -> None:
        last[:] = pool._calculate_swap(zero_for_one, amount_in, limit)

    samples = _repeat(fresh_swap, lambda: (amount + next(bump),), budget_s, min_rounds, 5)
    return samples, last, next(bump) - 1


def main() -> None:
    spec = json.load(sys.stdin)
    budget_s = float(spec.get("budget_s", 1.0))
    min_rounds = int(spec.get("min_rounds", 50))

    from degenbot.uniswap.v2_functions import constant_product_calc_exact_in
    from degenbot.uniswap.v3_libraries.tick_math import MAX_SQRT_RATIO, MIN_SQRT_RATIO

    out: dict[str, Any] = {
        "degenbot": importlib.metadata.version("degenbot"),
        "python": platform.python_version(),
    }

    # --- V2 -----------------------------------------------------------------------
    quotes = [tuple(q) for q in spec["v2"]["quotes"]]
    fee = Fraction(spec["v2"]["fee_bps"], 10_000)

    def v2_batch() -> list[int]:
        return [constant_product_calc_exact_in(a, r_in, r_out, fee) for a, r_in, r_out in quotes]

    results = v2_batch()
    samples = _repeat(v2_batch, tuple, budget_s, min(min_rounds, 20), warmup=2)
    out["v2"] = {
        "results": results,
        "batch": len(quotes),
        "stats": _stats([s / len(quotes) for s in samples]),
    }

    # --- V3 -----------------------------------------------------------------------
    caches = _lru_caches()

    def clear_caches() -> tuple[()]:
        for cache in caches:
            cache.cache_clear()
        return ()

    out["v3"] = []
    out["lru_caches_cleared"] = sorted(
        f"{c.__module__}.{getattr(c, '__qualname__', c)}" for c in caches
    )
    for case in spec["v3"]:
        pool = _make_v3_pool(case["pool"])
        zero_for_one = case["zero_for_one"]
        amount = case["amount"]
        limit = MIN_SQRT_RATIO + 1 if zero_for_one else MAX_SQRT_RATIO - 1
        swap = functools.partial(pool._calculate_swap, zero_for_one, amount, limit)

        clear_caches()
        result = list(swap())
        cold = _repeat(swap, clear_caches, budget_s, min_rounds, warmup=5)
        warm = _repeat(swap, tuple, budget_s, min_rounds, warmup=5)

        fresh, last, fresh_amounts = _repeat_fresh(
            pool, zero_for_one, amount, limit, budget_s, min_rounds
        )
        spacing = case["pool"]["tick_spacing"]
        out["v3"].append(
            {
                "name": case["name"],
                # degenbot returns (amount0, amount1, sqrt_price_x96, liquidity, tick)
                "result": result,
                "fresh": _stats(fresh),
                "cold": _stats(cold),
                "warm": _stats(warm),
                # the last fresh amount still ended in the same tick spacing
                "fresh_amounts": fresh_amounts,
                "fresh_same_spacing": last[4] // spacing == result[4] // spacing,
            }
        )

    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
