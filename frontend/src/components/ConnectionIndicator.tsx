/** The live connection's state, always in the app bar. */
import { Chip, Tooltip } from "@mui/material";
import { useConnectivity } from "@/lib/connectivity";
import type { LinkState } from "@/lib/ws/LiveClient";
import { useLink } from "@/lib/ws/LiveProvider";

const LOOK: Record<LinkState, { label: string; color: "success" | "warning" | "error" | "default" | "info" }> = {
  live: { label: "live", color: "success" },
  connecting: { label: "connecting", color: "info" },
  reconnecting: { label: "reconnecting", color: "warning" },
  stale: { label: "stale", color: "error" },
  closed: { label: "offline", color: "default" },
};

export function ConnectionIndicator() {
  const link = useLink();
  const { engine } = useConnectivity();
  // the socket to the gateway is fine, but nothing new comes while the engine is down
  const state: LinkState = link.state === "live" && engine === "down" ? "stale" : link.state;
  const reason = state === "stale" && link.state === "live" ? "the engine is down: no new data" : link.reason;
  const look = LOOK[state];
  const retry = link.retryAt !== null ? ` (attempt ${link.attempt}, next in ${Math.max(0, Math.ceil((link.retryAt - Date.now()) / 1000))} s)` : "";
  return (
    <Tooltip title={(reason ?? "connected to the gateway's stream") + retry}>
      <Chip
        data-testid="connection-state"
        data-state={state}
        label={look.label}
        color={look.color}
        size="small"
        variant={state === "live" ? "filled" : "outlined"}
        aria-label={`connection ${look.label}`}
      />
    </Tooltip>
  );
}
