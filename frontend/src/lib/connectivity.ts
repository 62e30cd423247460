/**
 * Is the gateway reachable, and does the engine behind it answer? Fed by the REST
 * client (every response tells something) and by the readiness probe; read by the
 * banner that says so instead of letting views sit on old data.
 */
import { useSyncExternalStore } from "react";
import { Observable } from "./store";

export type Reachability = "unknown" | "up" | "down";

export interface Connectivity {
  gateway: Reachability;
  engine: Reachability;
  /** Why the last part went down, as the gateway said it. */
  detail: string | null;
  /** ms since epoch of the last change to down, for "down for 12 s". */
  downSince: number | null;
}

const initial: Connectivity = { gateway: "unknown", engine: "unknown", detail: null, downSince: null };

export const connectivity = new Observable<Connectivity>(initial);

function change(next: Partial<Connectivity>): void {
  connectivity.update((current) => {
    const merged = { ...current, ...next };
    const wasDown = current.gateway === "down" || current.engine === "down";
    const isDown = merged.gateway === "down" || merged.engine === "down";
    merged.downSince = isDown ? (wasDown ? current.downSince : Date.now()) : null;
    if (!isDown) merged.detail = null;
    if (
      merged.gateway === current.gateway &&
      merged.engine === current.engine &&
      merged.detail === current.detail
    ) {
      return current;
    }
    return merged;
  });
}

export const report = {
  gatewayDown(detail: string): void {
    change({ gateway: "down", detail });
  },
  gatewayUp(): void {
    change({ gateway: "up" });
  },
  engineDown(detail: string): void {
    change({ gateway: "up", engine: "down", detail });
  },
  engineUp(): void {
    change({ gateway: "up", engine: "up" });
  },
  reset(): void {
    connectivity.set(initial);
  },
};

export function useConnectivity(): Connectivity {
  return useSyncExternalStore(connectivity.subscribe, connectivity.get);
}
