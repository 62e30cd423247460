/**
 * One REST call's life in a view: loading, data, the ApiError (with "not
 * available yet" for routes the gateway answers 501), reload, optional polling.
 */
import { useCallback, useEffect, useRef, useState } from "react";
import { ApiError, isApiError } from "./api/errors";

export interface RequestState<T> {
  data: T | undefined;
  error: ApiError | null;
  loading: boolean;
  reload: () => void;
}

export function useRequest<T>(
  load: (signal: AbortSignal) => Promise<T>,
  deps: readonly unknown[],
  options: { pollMs?: number; enabled?: boolean } = {},
): RequestState<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<ApiError | null>(null);
  const [loading, setLoading] = useState(options.enabled !== false);
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  const enabled = options.enabled !== false;

  useEffect(() => {
    if (!enabled) return;
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | null = null;
    const run = async () => {
      setLoading(true);
      let missing = false;
      try {
        const value = await loadRef.current(controller.signal);
        if (controller.signal.aborted) return;
        setData(value);
        setError(null);
      } catch (caught) {
        if (controller.signal.aborted) return;
        const failure = isApiError(caught) ? caught : new ApiError("server", 0, String(caught));
        missing = failure.kind === "not_available" || failure.kind === "forbidden";
        setError(failure);
      } finally {
        if (!controller.signal.aborted) {
          setLoading(false);
          // a route that does not exist yet is not polled again
          if (options.pollMs && !missing) timer = setTimeout(() => void run(), options.pollMs);
        }
      }
    };
    void run();
    return () => {
      controller.abort();
      if (timer !== null) clearTimeout(timer);
    };
  }, [...deps, tick, enabled, options.pollMs]);

  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data, error, loading, reload };
}
