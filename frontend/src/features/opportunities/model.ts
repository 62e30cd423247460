/** Sorting and filtering the live opportunities (pure functions, tested alone). */
import type { Opportunity } from "@/lib/api/types";
import { compareIntStrings } from "@/lib/format";

export type SortKey =
  | "profit_net"
  | "profit_gross"
  | "amount_in"
  | "gas_cost"
  | "hops"
  | "block_number"
  | "chain_id"
  | "model_score";
export type SortDirection = "asc" | "desc";

export interface OpportunityFilter {
  chainId: number | null;
  /** Matches a token symbol or address, or a pool address, anywhere on the route. */
  text: string;
  profitableOnly: boolean;
  /** Hide opportunities through a pool the models flag as anomalous. */
  hideAnomalous: boolean;
}

export const NO_FILTER: OpportunityFilter = { chainId: null, text: "", profitableOnly: false, hideAnomalous: false };

const AMOUNT_KEYS = new Set<SortKey>(["profit_net", "profit_gross", "amount_in", "gas_cost"]);

export function compareBy(key: SortKey): (a: Opportunity, b: Opportunity) => number {
  if (AMOUNT_KEYS.has(key)) {
    const k = key as "profit_net" | "profit_gross" | "amount_in" | "gas_cost";
    return (a, b) => compareIntStrings(a[k], b[k]);
  }
  if (key === "hops") return (a, b) => a.pools.length - b.pools.length;
  if (key === "model_score") return (a, b) => compareScores(a.model_score, b.model_score);
  const k = key as "block_number" | "chain_id";
  return (a, b) => a[k] - b[k];
}

/** Unscored (no models, too little history) ranks below every score. */
function compareScores(a: number | null, b: number | null): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? -1 : 1;
  return a - b;
}

export function sortOpportunities(list: readonly Opportunity[], key: SortKey, direction: SortDirection): Opportunity[] {
  const compare = compareBy(key);
  const sign = direction === "asc" ? 1 : -1;
  // ties keep a stable order by id so rows do not jump between updates
  return [...list].sort((a, b) => sign * compare(a, b) || a.id.localeCompare(b.id));
}

export function filterOpportunities(
  list: readonly Opportunity[],
  filter: OpportunityFilter,
  symbolOf: (chainId: number, address: string) => string = (_c, a) => a,
): Opportunity[] {
  const text = filter.text.trim().toLowerCase();
  return list.filter((o) => {
    if (filter.chainId !== null && o.chain_id !== filter.chainId) return false;
    if (filter.profitableOnly && (o.profit_net.startsWith("-") || o.profit_net === "0")) return false;
    if (filter.hideAnomalous && o.anomalous) return false;
    if (text) {
      const haystack = [...o.tokens, ...o.tokens.map((t) => symbolOf(o.chain_id, t)), ...o.pools].join(" ").toLowerCase();
      if (!haystack.includes(text)) return false;
    }
    return true;
  });
}

/** What the models decided, for display: the engine sends "" when it runs without models. */
export type ModelView =
  | { kind: "none" }
  | { kind: "unscored"; decision: "pass" | "skip"; reason: string }
  | { kind: "scored"; decision: "pass" | "skip"; reason: string; score: number; anomalous: boolean };

export function modelView(o: Opportunity): ModelView {
  if (o.model_decision === "") return { kind: "none" };
  if (o.model_score === null) return { kind: "unscored", decision: o.model_decision, reason: o.model_reason };
  return { kind: "scored", decision: o.model_decision, reason: o.model_reason, score: o.model_score, anomalous: o.anomalous };
}

/** An anomaly score with three decimals ("0.345"). */
export function formatScore(score: number): string {
  return score.toFixed(3);
}

/** A signed dollar amount in cents ("$12.34", "-$0.05"); "<$0.01" for dust. Display only. */
export function formatUsdAmount(usd: number): string {
  const sign = usd < 0 ? "-" : "";
  const abs = Math.abs(usd);
  if (abs > 0 && abs < 0.005) return `${sign}<$0.01`;
  return `${sign}$${abs.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}
