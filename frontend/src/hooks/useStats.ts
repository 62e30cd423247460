/**
 * `GET /stats`, polled: trading figures (PnL, trades, gas), the engine's latencies
 * and resource use, and the performance series. An engine without execution still
 * answers, with `execution_enabled` false and no trading figures.
 */
import { api } from "@/lib/api/endpoints";
import type { Stats } from "@/lib/api/types";
import { type RequestState, useRequest } from "@/lib/useRequest";

export function useStats({ pollMs, maxPoints }: { pollMs: number; maxPoints?: number }): RequestState<Stats> {
  return useRequest((signal) => api.stats(maxPoints === undefined ? {} : { max_points: maxPoints }, signal), [maxPoints], { pollMs });
}

/** What the dashboard says when the engine runs without execution. */
export const EXECUTION_OFF = "execution is not configured on the engine";

/** The pipeline's stages (LatencyStat.stage) as the dashboard names them. */
const STAGE_LABELS: Record<string, string> = {
  block_to_opportunities: "block → opportunities",
  opportunity_to_send: "opportunity → sent",
  send_to_mined: "sent → mined",
};

export const stageLabel = (stage: string): string => STAGE_LABELS[stage] ?? stage;
