/** How a trade status shows: its chip colour, and whether it ended badly. */
import type { Trade } from "@/lib/api/types";

export type StatusColor = "default" | "info" | "success" | "error" | "warning";

const FAILED = new Set(["reverted", "dropped", "failed_simulation"]);

export const isFailure = (status: string): boolean => FAILED.has(status);

export function statusColor(status: string): StatusColor {
  if (status === "mined") return "success";
  if (FAILED.has(status)) return "error";
  if (status === "sent" || status === "replaced") return "info";
  if (status === "simulated") return "warning";
  return "default";
}

/** Gas used once mined, "—" before. */
export function gasUsed(trade: Trade): string {
  return trade.gas_used > 0 ? trade.gas_used.toLocaleString() : "—";
}
