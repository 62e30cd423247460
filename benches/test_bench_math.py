"""engine_rs vs the pure-Python reference vs degenbot 0.3.0 on the same inputs.

Every implementation's result is checked equal to engine_rs's before it is
timed. No assert here is about time: the figures and goals are in the
summary printed by ``benches/conftest.py``.

- ``v2_quote_batch``: 10,000 ``getAmountOut`` quotes, ns per quote.
  engine_rs: one ``v2_get_amount_out_batch`` call (the batch API); also, for
  information, a Python loop of ``v2_get_amount_out`` calls. Reference: a loop
  over ``tests.reference.v2_get_amount_out``. degenbot: a loop over
  ``constant_product_calc_exact_in`` (subprocess).
- ``v3_swap_{0,1,10}_crossings``: one exact-input ``swap`` crossing exactly
  k initialized ticks, ns per swap. engine_rs: ``V3Pool.swap``; also, for
  information, ``V3Pool.swap_batch`` of 100 of the same swap (per swap).
  Reference: ``tests.reference.V3Pool.swap``. degenbot:
  ``UniswapV3Pool._calculate_swap`` (subprocess).
"""

from __future__ import annotations

from typing import Any

import pytest
from bench_cases import make_pool, swap_tuple

import engine_rs
import tests.reference as ref

V2_IMPLS = ["engine_rs", "engine_rs (per-call loop)", "reference", "degenbot"]
V3_IMPLS = ["engine_rs", "engine_rs (swap_batch of 100)", "reference", "degenbot"]
V3_BATCH = 100

# degenbot is timed in its subprocess: its test checks results and uses no timer.
DEGENBOT_MARKS = [pytest.mark.filterwarnings("ignore:Benchmark fixture was not used")]


def _impl_params(impls: list[str]) -> list[Any]:
    return [pytest.param(i, id=i, marks=DEGENBOT_MARKS if i == "degenbot" else ()) for i in impls]


def _degenbot_or_skip(request: pytest.FixtureRequest) -> tuple[dict[str, Any], dict[str, bool]]:
    """degenbot's run (skip when it is not available) and the record of its checks."""
    run = request.getfixturevalue("degenbot_run")
    store = request.getfixturevalue("bench_store")
    if run is None:
        pytest.skip(f"degenbot not available: {store.get('degenbot_error')}")
    return run, store.setdefault("degenbot_checked", {})


@pytest.mark.benchmark(group="v2_quote_batch", warmup=True)
@pytest.mark.parametrize("impl", _impl_params(V2_IMPLS))
def test_v2_quote_batch(
    benchmark: Any,
    request: pytest.FixtureRequest,
    impl: str,
    v2_quotes: list[tuple[int, int, int]],
) -> None:
    fee = 30
    expected = engine_rs.v2_get_amount_out_batch(v2_quotes, fee)
    assert len(expected) == len(v2_quotes)

    if impl == "degenbot":
        run, checked = _degenbot_or_skip(request)
        equal = checked["v2_quote_batch"] = run["v2"]["results"] == expected
        assert equal, "degenbot's V2 quotes differ from engine_rs's"
        return

    if impl == "engine_rs":

        def fn() -> list[int]:
            return engine_rs.v2_get_amount_out_batch(v2_quotes, fee)

    elif impl == "engine_rs (per-call loop)":
        quote = engine_rs.v2_get_amount_out

        def fn() -> list[int]:
            return [quote(a, r_in, r_out, fee) for a, r_in, r_out in v2_quotes]

    else:
        quote = ref.v2_get_amount_out

        def fn() -> list[int]:
            return [quote(a, r_in, r_out, fee) for a, r_in, r_out in v2_quotes]

    assert fn() == expected, f"{impl}'s V2 quotes differ from engine_rs's batch"
    benchmark.extra_info.update(op="v2_quote_batch", impl=impl, ops_per_call=len(v2_quotes))
    benchmark(fn)


@pytest.mark.benchmark(warmup=True)
@pytest.mark.parametrize("impl", _impl_params(V3_IMPLS))
@pytest.mark.parametrize(
    "case_name", ["v3_swap_0_crossings", "v3_swap_1_crossings", "v3_swap_10_crossings"]
)
def test_v3_swap(
    benchmark: Any,
    request: pytest.FixtureRequest,
    impl: str,
    case_name: str,
    v3_cases: dict[str, dict[str, Any]],
) -> None:
    case = v3_cases[case_name]
    expected = case["expected"]
    zero_for_one, amount = case["zero_for_one"], case["amount"]
    benchmark.group = case_name

    if impl == "degenbot":
        run, checked = _degenbot_or_skip(request)
        (got,) = [c for c in run["v3"] if c["name"] == case_name]
        equal = checked[case_name] = tuple(got["result"]) == expected
        assert equal, f"degenbot's swap differs: {got['result']} != {expected}"
        assert got["fresh_same_spacing"], "degenbot's fresh amounts ended in another tick spacing"
        return

    state = case["pool"]
    ops = 1
    if impl == "engine_rs":
        pool = make_pool(engine_rs.V3Pool, state)

        def fn() -> Any:
            return pool.swap(zero_for_one, amount)

        check = fn()
    elif impl == "engine_rs (swap_batch of 100)":
        pool = make_pool(engine_rs.V3Pool, state)
        swaps = [(zero_for_one, amount, None)] * V3_BATCH
        ops = V3_BATCH

        def fn() -> Any:
            return pool.swap_batch(swaps)

        results = fn()
        assert all(swap_tuple(r) == expected for r in results)
        check = results[0]
    else:
        pool = make_pool(ref.V3Pool, state)

        def fn() -> Any:
            return pool.swap(zero_for_one, amount)

        check = fn()

    assert swap_tuple(check) == expected, f"{impl}: {swap_tuple(check)} != {expected}"
    assert check.ticks_crossed == case["crossings"]
    benchmark.extra_info.update(op=case_name, impl=impl, ops_per_call=ops)
    benchmark(fn)
