/**
 * The performance charts' data, shaped from `GET /stats`: cumulative PnL per start
 * token, the distribution of per-trade profit, latency percentiles per minute.
 * Amounts arrive as integer strings and become numbers only here, for the axes
 * (through BigInt, see `unitsToNumber`); the figures in text use `formatUnits`.
 */
import type { LatencyPoint, PnlPoint, TokenPnl } from "@/lib/api/types";
import { unitsToNumber } from "@/lib/format";

/** One start token of the charts: its key ("chain:token"), label, decimals and trade count. */
export interface TokenSeries {
  key: string;
  label: string;
  decimals: number;
  trades: number;
}

export const seriesKey = (chainId: number, token: string): string => `${chainId}:${token.toLowerCase()}`;

/** The start tokens of the points, most traded first; labels from the PnL table. */
export function tokenSeries(points: readonly PnlPoint[], pnl: readonly TokenPnl[]): TokenSeries[] {
  const byKey = new Map(pnl.map((p) => [seriesKey(p.chain_id, p.token), p]));
  const counts = new Map<string, number>();
  for (const p of points) {
    const key = seriesKey(p.chain_id, p.token);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts.entries()]
    .map(([key, trades]) => {
      const info = byKey.get(key);
      const chain = key.split(":")[0];
      const label = info?.symbol ? `${info.symbol} (chain ${chain})` : key;
      return { key, label, decimals: info?.decimals ?? 0, trades };
    })
    .sort((a, b) => b.trades - a.trades || a.key.localeCompare(b.key));
}

export interface PnlRow {
  t: number; // ms since epoch: when the trade became final
  pnl: number; // the token's running realized PnL after it, whole units
  trade: string;
}

/** The running PnL of one token after each of its trades, oldest first. */
export function cumulativePnlRows(points: readonly PnlPoint[], token: TokenSeries): PnlRow[] {
  return points
    .filter((p) => seriesKey(p.chain_id, p.token) === token.key)
    .map((p) => ({ t: p.unix_nanos / 1e6, pnl: unitsToNumber(p.cumulative, token.decimals), trade: p.trade_id }));
}

export interface HistogramBin {
  label: string;
  from: number;
  to: number;
  count: number;
}

/** Per-trade profit of one token in `bins` equal-width bins (whole units). */
export function profitHistogram(points: readonly PnlPoint[], token: TokenSeries, bins = 12): HistogramBin[] {
  const values = points.filter((p) => seriesKey(p.chain_id, p.token) === token.key).map((p) => unitsToNumber(p.profit, token.decimals));
  if (values.length === 0) return [];
  const min = Math.min(...values);
  const max = Math.max(...values);
  if (min === max) return [{ label: formatEdge(min), from: min, to: max, count: values.length }];
  const width = (max - min) / bins;
  const out: HistogramBin[] = Array.from({ length: bins }, (_, i) => {
    const from = min + i * width;
    const to = i === bins - 1 ? max : min + (i + 1) * width;
    return { label: `${formatEdge(from)} – ${formatEdge(to)}`, from, to, count: 0 };
  });
  for (const v of values) {
    const index = Math.min(bins - 1, Math.floor((v - min) / width));
    out[index]!.count += 1;
  }
  return out;
}

/** A bin edge in 3 significant digits: "-1", "0.25", "1.5e+7". */
function formatEdge(value: number): string {
  const abs = Math.abs(value);
  if (abs !== 0 && (abs >= 1e6 || abs < 1e-4)) return value.toExponential(2);
  return String(Number(value.toPrecision(3)));
}

export interface LatencyRow {
  t: number;
  p50: number;
  p99: number;
  samples: number;
}

/** One stage's per-minute percentiles, oldest first (ms since epoch on the x axis). */
export function latencyRows(points: readonly LatencyPoint[], stage: string): LatencyRow[] {
  return points
    .filter((p) => p.stage === stage)
    .map((p) => ({ t: p.unix_nanos / 1e6, p50: p.p50_ms, p99: p.p99_ms, samples: p.samples }))
    .sort((a, b) => a.t - b.t);
}
