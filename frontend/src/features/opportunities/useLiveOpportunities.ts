import { useMemo } from "react";
import type { Opportunity } from "@/lib/api/types";
import { useTopic } from "@/lib/ws/LiveProvider";

/** Every chain's current opportunities from the `opportunities` topic, flat. */
export function useLiveOpportunities() {
  const { data, status } = useTopic("opportunities");
  const all = useMemo<Opportunity[]>(() => [...data.byChain.values()].flatMap((c) => c.opportunities), [data]);
  const chains = useMemo(() => [...data.byChain.keys()].sort((a, b) => a - b), [data]);
  return { all, chains, updatedAt: data.updatedAt, dropped: data.dropped, status };
}
