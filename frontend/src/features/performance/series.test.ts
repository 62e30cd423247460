import { describe, expect, it } from "vitest";
import type { PnlPoint } from "@/lib/api/types";
import { stats, USDC, WETH } from "@/test/fixtures";
import { cumulativePnlRows, latencyRows, profitHistogram, seriesKey, tokenSeries } from "./series";

const T0 = 1_700_000_000_000_000_000;

function point(i: number, profit: string, cumulative: string, token = WETH): PnlPoint {
  return { unix_nanos: T0 + i * 1_000_000_000, chain_id: 31337, token, trade_id: `t-${i}`, profit, cumulative, gas_wei: "1", net_usd: null };
}

describe("performance series", () => {
  it("lists the start tokens, most traded first, labelled from the PnL table", () => {
    const s = stats();
    expect(tokenSeries(s.pnl_series, s.pnl)).toEqual([
      { key: seriesKey(31337, WETH), label: "WETH (chain 31337)", decimals: 18, trades: 3 },
      { key: seriesKey(31337, USDC), label: "USDC (chain 31337)", decimals: 6, trades: 1 },
    ]);
    // a token the PnL table does not name keeps its key, and raw units
    expect(tokenSeries([point(1, "5", "5", "0xdead")], [])).toEqual([{ key: "31337:0xdead", label: "31337:0xdead", decimals: 0, trades: 1 }]);
  });

  it("shapes one token's running PnL in whole units, from integer strings", () => {
    const s = stats();
    const [weth, usdc] = tokenSeries(s.pnl_series, s.pnl);
    expect(cumulativePnlRows(s.pnl_series, weth!)).toEqual([
      { t: T0 / 1e6 + 60_000, pnl: 1, trade: "t-1" },
      { t: T0 / 1e6 + 180_000, pnl: 1, trade: "t-3" },
      { t: T0 / 1e6 + 240_000, pnl: 3.0075, trade: "t-4" },
    ]);
    expect(cumulativePnlRows(s.pnl_series, usdc!).map((r) => r.pnl)).toEqual([2.5]);
    // beyond 2^53 units the integer is scaled with BigInt before it becomes a number
    const huge = point(1, "1606938044258990275541962092341162602522202993782792835301383", "1606938044258990275541962092341162602522202993782792835301383");
    expect(cumulativePnlRows([huge], weth!)[0]!.pnl).toBeCloseTo(1.606938044258990e42, -28);
  });

  it("counts per-trade profit in equal bins spanning the lowest to the highest", () => {
    const points = ["-1000000000000000000", "0", "0", "500000000000000000", "1000000000000000000", "3000000000000000000"].map((profit, i) => point(i, profit, "0"));
    const [weth] = tokenSeries(points, stats().pnl);
    const bins = profitHistogram(points, weth!, 4); // width 1: [-1,0) [0,1) [1,2) [2,3]
    expect(bins.map((b) => [b.from, b.to, b.count])).toEqual([
      [-1, 0, 1],
      [0, 1, 3],
      [1, 2, 1],
      [2, 3, 1],
    ]);
    expect(bins.reduce((n, b) => n + b.count, 0)).toBe(points.length);
    expect(bins.map((b) => b.label)).toEqual(["-1 – 0", "0 – 1", "1 – 2", "2 – 3"]);
    // every trade with the same profit: one bin
    expect(profitHistogram([point(1, "7", "7"), point(2, "7", "14")], { key: seriesKey(31337, WETH), label: "x", decimals: 0, trades: 2 })).toEqual([
      { label: "7", from: 7, to: 7, count: 2 },
    ]);
    expect(profitHistogram([], weth!)).toEqual([]);
  });

  it("takes one stage's per-minute percentiles, oldest first", () => {
    const s = stats();
    expect(latencyRows([...s.latency_series].reverse(), "block_to_opportunities")).toEqual([
      { t: T0 / 1e6, p50: 1.1, p99: 3.9, samples: 60 },
      { t: T0 / 1e6 + 60_000, p50: 1.3, p99: 4.2, samples: 58 },
    ]);
    expect(latencyRows(s.latency_series, "opportunity_to_send")).toEqual([]);
  });
});
