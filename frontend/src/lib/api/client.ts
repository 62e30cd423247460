/**
 * The REST client: one `fetch` wrapper that adds the access token, retries once
 * after a 401 with a refreshed token, maps errors to ApiError and tells the
 * connectivity store whether the gateway and the engine answer.
 */
import { report } from "../connectivity";
import { ApiError, errorFromResponse } from "./errors";

export const API_PREFIX = "/api/v1";

/** Where the client gets its bearer token; the auth session implements it. */
export interface Credentials {
  /** A valid access token (refreshed first when close to expiry), or null. */
  accessToken(): Promise<string | null>;
  /** Called after a 401: a new token, or null when the session is over. */
  afterUnauthorized(): Promise<string | null>;
}

export type Query = Record<string, string | number | boolean | readonly (string | number)[] | null | undefined>;

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  signal?: AbortSignal;
  /** Send no token (login, refresh, public routes). */
  anonymous?: boolean;
  /** Send this token and do not refresh on a 401 (the session checking a new token). */
  bearer?: string;
  /** Extra request headers (e.g. Idempotency-Key). */
  headers?: Record<string, string>;
}

export function buildUrl(path: string, query?: Query): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value === undefined || value === null || value === "") continue;
    if (Array.isArray(value)) for (const item of value) params.append(key, String(item));
    else params.append(key, String(value));
  }
  const search = params.toString();
  return search ? `${path}?${search}` : path;
}

async function parseBody(response: Response): Promise<unknown> {
  if (response.status === 204) return null;
  const text = await response.text();
  if (!text) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** Routes whose answer says something about the engine (they call it). */
function touchesEngine(path: string): boolean {
  return !/^\/api\/v1\/(auth|me|api-keys|admin\/(users|sessions|api-keys|audit|websockets))/.test(path);
}

export class ApiClient {
  private credentials: Credentials | null = null;

  constructor(private readonly base: string = "") {}

  useCredentials(credentials: Credentials | null): void {
    this.credentials = credentials;
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const url = this.base + buildUrl(path, options.query);
    let token = options.bearer ?? (options.anonymous ? null : ((await this.credentials?.accessToken()) ?? null));
    let response = await this.send(method, url, options, token);
    if (response.status === 401 && !options.anonymous && !options.bearer && this.credentials) {
      token = await this.credentials.afterUnauthorized();
      if (token) response = await this.send(method, url, options, token);
    }
    const body = await parseBody(response);
    if (!response.ok) {
      const error = errorFromResponse(response.status, body, response.headers.get("Retry-After"));
      if (error.kind === "engine_unavailable") report.engineDown(error.message);
      else report.gatewayUp();
      throw error;
    }
    if (touchesEngine(path)) report.engineUp();
    else report.gatewayUp();
    return body as T;
  }

  private async send(method: string, url: string, options: RequestOptions, token: string | null): Promise<Response> {
    const headers: Record<string, string> = { ...options.headers, Accept: "application/json" };
    if (token) headers.Authorization = `Bearer ${token}`;
    if (options.body !== undefined) headers["Content-Type"] = "application/json";
    try {
      return await fetch(url, {
        method,
        headers,
        body: options.body === undefined ? null : JSON.stringify(options.body),
        credentials: "same-origin",
        signal: options.signal ?? null,
      });
    } catch (error) {
      if (error instanceof DOMException && error.name === "AbortError") throw error;
      report.gatewayDown("the gateway does not answer");
      throw new ApiError("gateway_unreachable", 0, "the gateway does not answer");
    }
  }

  get<T>(path: string, query?: Query, signal?: AbortSignal): Promise<T> {
    return this.request<T>("GET", path, { query, signal });
  }
}

/** The client every view uses. */
export const apiClient = new ApiClient();
