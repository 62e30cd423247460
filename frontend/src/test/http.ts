/**
 * A route table in place of the gateway's HTTP for component tests: each entry
 * answers "METHOD /path" with a status and a JSON body; anything else is 501,
 * as the gateway answers routes whose engine RPC does not exist yet.
 */
import { vi } from "vitest";

export type Route = (request: { url: URL; init: RequestInit | undefined }) => { status: number; body?: unknown } | Promise<{ status: number; body?: unknown }>;

export function json(status: number, body?: unknown): Response {
  return new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json" },
  });
}

export function stubGateway(routes: Record<string, Route | { status: number; body?: unknown }>) {
  const calls: string[] = [];
  const fetchMock = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(typeof input === "string" ? input : input instanceof URL ? input.href : input.url, "http://dashboard.test");
    const key = `${(init?.method ?? "GET").toUpperCase()} ${url.pathname}`;
    calls.push(key);
    const route = routes[key];
    if (route === undefined) return json(501, { detail: `not implemented: ${key}` });
    const answer = typeof route === "function" ? await route({ url, init }) : route;
    return json(answer.status, answer.body);
  });
  vi.stubGlobal("fetch", fetchMock);
  return { fetchMock, calls };
}
