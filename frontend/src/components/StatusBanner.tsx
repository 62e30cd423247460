/**
 * A clear banner when the gateway or the engine is down, or the stream is not
 * live; views keep showing their last data under it (nothing freezes). While
 * something is down it probes /ready every few seconds so it clears by itself.
 */
import { Alert, Button } from "@mui/material";
import { useEffect, useState } from "react";
import { api } from "@/lib/api/endpoints";
import { isApiError } from "@/lib/api/errors";
import { report, useConnectivity } from "@/lib/connectivity";
import { ago } from "@/lib/format";
import { useLink, useLive } from "@/lib/ws/LiveProvider";

const PROBE_DOWN_MS = 3_000;
const PROBE_UP_MS = 20_000;
/** A reconnect shorter than this is not worth a banner. */
const GRACE_MS = 2_000;

export function useReadinessProbe(): void {
  const { gateway, engine } = useConnectivity();
  const down = gateway === "down" || engine === "down";
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | null = null;
    const probe = async () => {
      try {
        await api.ready();
      } catch (error) {
        // /ready says 503 with {engine: false} when the engine does not answer
        if (isApiError(error, "engine_unavailable")) report.engineDown("the engine does not answer the gateway");
      }
      if (!stopped) timer = setTimeout(() => void probe(), down ? PROBE_DOWN_MS : PROBE_UP_MS);
    };
    timer = setTimeout(() => void probe(), down ? PROBE_DOWN_MS : PROBE_UP_MS);
    return () => {
      stopped = true;
      if (timer !== null) clearTimeout(timer);
    };
  }, [down]);
}

function useNow(periodMs: number): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), periodMs);
    return () => clearInterval(id);
  }, [periodMs]);
  return now;
}

export function StatusBanner() {
  const connectivity = useConnectivity();
  const link = useLink();
  const { client } = useLive();
  const now = useNow(1_000);
  useReadinessProbe();

  if (connectivity.gateway === "down") {
    return (
      <Alert severity="error" role="alert" data-testid="status-banner" data-kind="gateway-down" square>
        The gateway does not answer{connectivity.downSince ? ` (since ${ago(connectivity.downSince, now)})` : ""}. The data
        below is the last received; retrying.
      </Alert>
    );
  }
  if (connectivity.engine === "down") {
    return (
      <Alert severity="error" role="alert" data-testid="status-banner" data-kind="engine-down" square>
        The engine is unavailable{connectivity.downSince ? ` (since ${ago(connectivity.downSince, now)})` : ""}:{" "}
        {connectivity.detail ?? "the gateway cannot reach it"}. The data below is the last received; retrying.
      </Alert>
    );
  }
  const reconnectingLong =
    link.state === "reconnecting" && link.lastMessageAt !== null ? now - link.lastMessageAt > GRACE_MS : link.state === "reconnecting" && link.attempt > 1;
  if (reconnectingLong || link.state === "stale") {
    return (
      <Alert
        severity="warning"
        role="alert"
        data-testid="status-banner"
        data-kind={link.state}
        square
        action={
          link.state === "reconnecting" ? (
            <Button color="inherit" size="small" onClick={() => client.retryNow()}>
              Retry now
            </Button>
          ) : undefined
        }
      >
        {link.state === "stale"
          ? `Live stream is stale: no message from the gateway since ${ago(link.lastMessageAt, now)}.`
          : `Live stream lost (${link.reason ?? "disconnected"}); reconnecting, attempt ${link.attempt}. Last message ${ago(link.lastMessageAt, now)}.`}
      </Alert>
    );
  }
  return null;
}
