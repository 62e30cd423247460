"""Python benchmarks: engine_rs vs the pure-Python reference vs degenbot 0.3.0.

Run: ``.venv/bin/python -m pytest benches -p no:cacheprovider --benchmark-only``
(``make bench``). Not part of ``make test`` (pytest's ``testpaths`` is ``tests``),
and nothing here asserts on time: the figures go to the summary printed at the
end of the session (and to ``--bench-markdown=PATH`` when given).

engine_rs and the reference are timed in this process by pytest-benchmark.
degenbot pins web3 7.x, so it runs in its own venv (``.venv-degenbot``, made
here on first use: ``pip install degenbot==0.3.0``) through
``benches/degenbot_peer.py`` in a subprocess of this session, on the same
inputs; its results are checked equal to engine_rs's before its figures are
shown. If that venv cannot be made (offline), degenbot is "not available".
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
BENCHES = Path(__file__).resolve().parent
if str(ROOT) not in sys.path:  # `tests.reference` when pytest is not run as `python -m pytest`
    sys.path.insert(0, str(ROOT))

import bench_cases  # benches/ is on sys.path (a conftest outside any package)

import engine_rs

DEGENBOT_VERSION = "0.3.0"
# ARBX_DEGENBOT_VENV points elsewhere (e.g. to try the "not available" path).
DEGENBOT_VENV = Path(os.environ.get("ARBX_DEGENBOT_VENV", ROOT / ".venv-degenbot"))
DEGENBOT_PYTHON = DEGENBOT_VENV / "bin" / "python"

_RESULTS_KEY = pytest.StashKey[dict[str, Any]]()

# Display order and labels of the ops in the summary.
OPS = {
    "v2_quote_batch": "V2 quote, batch of 10,000",
    "v3_swap_0_crossings": "V3 swap, 0 crossings",
    "v3_swap_1_crossings": "V3 swap, 1 crossing",
    "v3_swap_10_crossings": "V3 swap, 10 crossings",
}
DEGENBOT_COLD = "degenbot, LRU caches cleared"
DEGENBOT_WARM = "degenbot, same swap repeated"
V2_GOAL_NS = 100.0
SPEEDUP_GOAL = 50.0


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("arbx benches")
    group.addoption(
        "--bench-markdown",
        metavar="PATH",
        default=None,
        help="also write the summary tables (markdown) to PATH",
    )
    group.addoption(
        "--degenbot-budget",
        metavar="SECONDS",
        type=float,
        default=1.0,
        help="seconds of repetitions per degenbot measurement (default 1.0)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.stash[_RESULTS_KEY] = {"degenbot": None, "degenbot_error": None}


# --- inputs ----------------------------------------------------------------------


@pytest.fixture(scope="session")
def v2_quotes() -> list[tuple[int, int, int]]:
    return bench_cases.v2_quotes()


@pytest.fixture(scope="session")
def v3_cases() -> dict[str, dict[str, Any]]:
    """The V3 cases by name, each with its engine_rs pool and expected result."""
    cases = bench_cases.v3_cases(engine_rs.get_sqrt_ratio_at_tick, engine_rs.V3Pool)
    out = {}
    for case in cases:
        pool = bench_cases.make_pool(engine_rs.V3Pool, case["pool"])
        result = pool.swap(case["zero_for_one"], case["amount"])
        assert result.ticks_crossed == case["crossings"], (case["name"], result.ticks_crossed)
        case["expected"] = bench_cases.swap_tuple(result)
        out[case["name"]] = case
    return out


# --- degenbot in its own venv -------------------------------------------------------


def _degenbot_installed() -> str | None:
    """The degenbot version importable from .venv-degenbot, or None."""
    if not DEGENBOT_PYTHON.exists():
        return None
    probe = subprocess.run(
        [
            str(DEGENBOT_PYTHON),
            "-c",
            "import importlib.metadata as m, degenbot; print(m.version('degenbot'))",
        ],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return probe.stdout.strip() if probe.returncode == 0 else None


def _ensure_degenbot() -> str | None:
    """Make .venv-degenbot with degenbot==0.3.0 if needed; the reason it failed, or None."""
    if _degenbot_installed() == DEGENBOT_VERSION:
        return None
    boot = shutil.which("python3.11") or sys.executable
    try:
        if not DEGENBOT_PYTHON.exists():
            subprocess.run([boot, "-m", "venv", str(DEGENBOT_VENV)], check=True, timeout=300)
        install = subprocess.run(
            [
                str(DEGENBOT_PYTHON),
                "-m",
                "pip",
                "install",
                "--disable-pip-version-check",
                "-q",
                f"degenbot=={DEGENBOT_VERSION}",
            ],
            check=False,
            capture_output=True,
            text=True,
            timeout=900,
        )
    except (OSError, subprocess.SubprocessError) as error:
        return f"could not create {DEGENBOT_VENV.name}: {error}"
    if install.returncode != 0:
        tail = (install.stderr or install.stdout).strip().splitlines()[-1:] or ["?"]
        return f"pip install degenbot=={DEGENBOT_VERSION} failed: {tail[0]}"
    found = _degenbot_installed()
    if found != DEGENBOT_VERSION:
        return f"{DEGENBOT_VENV.name} has degenbot {found!r}, not {DEGENBOT_VERSION}"
    return None


@pytest.fixture(scope="session")
def degenbot_run(
    pytestconfig: pytest.Config,
    v2_quotes: list[tuple[int, int, int]],
    v3_cases: dict[str, dict[str, Any]],
) -> dict[str, Any] | None:
    """degenbot's results and timings on the same cases (one subprocess), or None."""
    store = pytestconfig.stash[_RESULTS_KEY]
    error = _ensure_degenbot()
    if error is None:
        spec = {
            "budget_s": pytestconfig.getoption("--degenbot-budget"),
            "v2": {"quotes": v2_quotes, "fee_bps": bench_cases.V2_FEE_BPS},
            "v3": [
                {k: v for k, v in case.items() if k != "expected"} for case in v3_cases.values()
            ],
        }
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
        run = subprocess.run(
            [str(DEGENBOT_PYTHON), str(BENCHES / "degenbot_peer.py")],
            input=json.dumps(spec),
            check=False,
            capture_output=True,
            text=True,
            timeout=600,
            env=env,
            cwd=str(BENCHES),
        )
        if run.returncode == 0:
            store["degenbot"] = json.loads(run.stdout)
        else:
            tail = run.stderr.strip().splitlines()[-1:] or ["?"]
            error = f"degenbot_peer.py failed: {tail[0]}"
    store["degenbot_error"] = error
    return store["degenbot"]


@pytest.fixture(scope="session")
def bench_store(pytestconfig: pytest.Config) -> dict[str, Any]:
    """What the summary reads beside pytest-benchmark's stats: degenbot's run and checks."""
    return pytestconfig.stash[_RESULTS_KEY]


# --- summary -------------------------------------------------------------------------


def _bench_rows(config: pytest.Config) -> dict[tuple[str, str], dict[str, float]]:
    """``(op, impl) -> ns/op stats`` from pytest-benchmark's rounds."""
    rows: dict[tuple[str, str], dict[str, float]] = {}
    session = getattr(config, "_benchmarksession", None)
    for bench in getattr(session, "benchmarks", []):
        info = bench.extra_info
        if "op" not in info or not bench.stats or bench.has_error:
            continue
        per = info.get("ops_per_call", 1)
        data = sorted(x * 1e9 / per for x in bench.stats.data)  # seconds/call -> ns/op
        n = len(data)
        rows[(info["op"], info["impl"])] = {
            "p50": bench.stats.median * 1e9 / per,
            "p99": data[max(0, math.ceil(0.99 * n) - 1)],  # nearest rank
            "min": data[0],
            "mean": bench.stats.mean * 1e9 / per,
            "rounds": n,
            "iterations": bench.iterations,
        }
    return rows


def _degenbot_rows(store: dict[str, Any]) -> dict[tuple[str, str], dict[str, float]]:
    data = store.get("degenbot")
    checked = store.get("degenbot_checked", {})
    rows: dict[tuple[str, str], dict[str, float]] = {}
    if not data:
        return rows
    if checked.get("v2_quote_batch"):
        rows[("v2_quote_batch", "degenbot")] = data["v2"]["stats"]
    for case in data["v3"]:
        if checked.get(case["name"]):
            rows[(case["name"], "degenbot")] = case["fresh"]
            rows[(case["name"], DEGENBOT_COLD)] = case["cold"]
            rows[(case["name"], DEGENBOT_WARM)] = case["warm"]
    return rows


def _fmt_ns(x: float | None) -> str:
    if x is None:
        return "n/a"
    if x >= 10_000:
        return f"{x / 1000:,.1f} µs"
    return f"{x:,.0f} ns" if x >= 100 else f"{x:,.1f} ns"


def summary_markdown(config: pytest.Config) -> str | None:
    store = config.stash[_RESULTS_KEY]
    rows = _bench_rows(config)
    if not rows:
        return None
    rows.update(_degenbot_rows(store))
    impl_order = [
        "engine_rs",
        "engine_rs (per-call loop)",
        "engine_rs (swap_batch of 100)",
        "reference",
        "degenbot",
        DEGENBOT_COLD,
        DEGENBOT_WARM,
    ]
    degenbot_note = (
        f"degenbot {store['degenbot']['degenbot']}"
        if store.get("degenbot")
        else f"degenbot: not available ({store.get('degenbot_error') or 'not run'})"
    )
    lines = [
        "### Time per op (ns/op; p50 = median round, p99 over rounds)",
        "",
        "| op | implementation | p50 | p99 | min | mean | rounds |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for op, label in OPS.items():
        for impl in impl_order:
            r = rows.get((op, impl))
            if r is None:
                if impl == "degenbot" and any(o == op for o, _ in rows):
                    reason = "not available" if not store.get("degenbot") else "result mismatch"
                    lines.append(f"| {label} | degenbot | {reason} | | | | |")
                continue
            lines.append(
                f"| {label} | {impl} | {_fmt_ns(r['p50'])} | {_fmt_ns(r['p99'])} | "
                f"{_fmt_ns(r['min'])} | {_fmt_ns(r['mean'])} | {r['rounds']} |"
            )
    lines += [
        "",
        "### Ratios (baseline p50 / engine_rs p50) and goals",
        "",
        (
            "| op | engine_rs p50 | × vs reference | × vs degenbot | × vs degenbot, caches cleared "
            "| × vs degenbot, same swap repeated | goal ≤ 100 ns/quote | goal ≥ 50× vs pure Python |"
        ),
        "|---|---:|---:|---:|---:|---:|---|---|",
    ]
    for op, label in OPS.items():
        rs = rows.get((op, "engine_rs"))
        if rs is None:
            continue
        ratios = {}
        for base in ("reference", "degenbot", DEGENBOT_COLD, DEGENBOT_WARM):
            b = rows.get((op, base))
            ratios[base] = b["p50"] / rs["p50"] if b else None
        cells = [f"{ratios[b]:,.1f}×" if ratios[b] else "—" for b in ratios]
        v2_goal = (
            ("met" if rs["p50"] <= V2_GOAL_NS else "NOT met") + f" ({_fmt_ns(rs['p50'])})"
            if op == "v2_quote_batch"
            else "—"
        )
        cold = [ratios["reference"], ratios["degenbot"]]
        known = [r for r in cold if r is not None]
        speed_goal = "met" if known and all(r >= SPEEDUP_GOAL for r in known) else "NOT met"
        if len(known) < len(cold):
            speed_goal += " (degenbot n/a)"
        lines.append(
            f"| {label} | {_fmt_ns(rs['p50'])} | {cells[0]} | {cells[1]} | {cells[2]} "
            f"| {cells[3]} | {v2_goal} | {speed_goal} |"
        )
    lines += ["", degenbot_note]
    return "\n".join(lines) + "\n"


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    text = summary_markdown(config)
    if text is None:
        return
    terminalreporter.write_sep("=", "arbx benches: engine_rs vs pure Python (ns/op)")
    terminalreporter.write(text)
    path = config.getoption("--bench-markdown")
    if path:
        Path(path).write_text(text, encoding="utf-8")
        terminalreporter.write_line(f"summary written to {path}")
