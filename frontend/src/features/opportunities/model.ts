/** Sorting and filtering the live opportunities (pure functions, tested alone). */
import type { Opportunity } from "@/lib/api/types";
import { compareIntStrings } from "@/lib/format";

export type SortKey = "profit_net" | "profit_gross" | "amount_in" | "gas_cost" | "hops" | "block_number" | "chain_id";
export type SortDirection = "asc" | "desc";

export interface OpportunityFilter {
  chainId: number | null;
  /** Matches a token symbol or address, or a pool address, anywhere on the route. */
  text: string;
  profitableOnly: boolean;
}

export const NO_FILTER: OpportunityFilter = { chainId: null, text: "", profitableOnly: false };

const AMOUNT_KEYS = new Set<SortKey>(["profit_net", "profit_gross", "amount_in", "gas_cost"]);

export function compareBy(key: SortKey): (a: Opportunity, b: Opportunity) => number {
  if (AMOUNT_KEYS.has(key)) {
    const k = key as "profit_net" | "profit_gross" | "amount_in" | "gas_cost";
    return (a, b) => compareIntStrings(a[k], b[k]);
  }
  if (key === "hops") return (a, b) => a.pools.length - b.pools.length;
  const k = key as "block_number" | "chain_id";
  return (a, b) => a[k] - b[k];
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
    if (text) {
      const haystack = [...o.tokens, ...o.tokens.map((t) => symbolOf(o.chain_id, t)), ...o.pools].join(" ").toLowerCase();
      if (!haystack.includes(text)) return false;
    }
    return true;
  });
}
