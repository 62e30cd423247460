/** The engine's status: the `status` topic, with one REST read until it arrives. */
import { useEffect } from "react";
import { api } from "@/lib/api/endpoints";
import type { EngineStatus } from "@/lib/api/types";
import { useRequest } from "@/lib/useRequest";
import { useTopic } from "@/lib/ws/LiveProvider";

export function useEngineStatus(): { status: EngineStatus | null; source: "stream" | "rest" | null; error: ReturnType<typeof useRequest>["error"] } {
  const live = useTopic("status");
  const rest = useRequest((signal) => api.status(signal), []);
  const status = live.data ?? rest.data ?? null;
  useEffect(() => {
    if (status !== null) performance.mark("arbx:overview-data");
  }, [status !== null]); // eslint-disable-line react-hooks/exhaustive-deps
  return { status, source: live.data ? "stream" : rest.data ? "rest" : null, error: live.data ? null : rest.error };
}
