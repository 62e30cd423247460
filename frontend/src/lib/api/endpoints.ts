/**
 * Every gateway route the dashboard calls, typed. Paths are relative to
 * API_PREFIX unless they start with "/" outside it (health probes).
 */
import { API_PREFIX, type ApiClient, apiClient } from "./client";
import type {
  ApiKey,
  ApiKeyCreate,
  ApiKeyCreated,
  AuditEntry,
  EngineConfig,
  EngineStatus,
  ExecuteRequest,
  Execution,
  Health,
  LiveOpportunities,
  Me,
  ModeChanged,
  ModeState,
  ModeUpdate,
  OpportunityPage,
  Pool,
  PoolPrice,
  Predictions,
  ProcessResources,
  Provider,
  Revoked,
  RiskLimits,
  RiskLimitsUpdate,
  RiskState,
  Session,
  SimulateRequest,
  Simulation,
  Stats,
  Token,
  TokenResponse,
  Trade,
  TradeFilter,
  TradePage,
  User,
  UserUpdate,
  WebSocketHealth,
} from "./types";

const p = (path: string): string => API_PREFIX + path;

export function createApi(client: ApiClient) {
  return {
    // --- auth (public or cookie-based) ---
    providers: () => client.request<Provider[]>("GET", p("/auth/providers"), { anonymous: true }),
    /** Spends the refresh cookie, answers a new access token (and sets a new cookie). */
    refresh: () => client.request<TokenResponse>("POST", p("/auth/refresh"), { anonymous: true }),
    logout: () => client.request<null>("POST", p("/auth/logout")),
    me: (bearer?: string) => client.request<Me>("GET", p("/me"), bearer ? { bearer } : {}),
    mySessions: () => client.get<Session[]>(p("/auth/sessions")),
    endSession: (id: string) => client.request<null>("DELETE", p(`/auth/sessions/${encodeURIComponent(id)}`)),

    // --- engine and market (viewer) ---
    status: (signal?: AbortSignal) => client.get<EngineStatus>(p("/status"), undefined, signal),
    tokens: (chainId = 0) => client.get<Token[]>(p("/tokens"), { chain_id: chainId }),
    pools: (chainId = 0) => client.get<Pool[]>(p("/pools"), { chain_id: chainId }),
    pool: (chainId: number, address: string) => client.get<Pool>(p(`/pools/${chainId}/${address}`)),
    prices: (chainId = 0) => client.get<PoolPrice[]>(p("/prices"), { chain_id: chainId }),
    recentOpportunities: (query: { chain_id?: number; page_size?: number; page_token?: string }) =>
      client.get<OpportunityPage>(p("/opportunities"), query),
    liveOpportunities: (chainId = 0) => client.get<LiveOpportunities>(p("/opportunities/live"), { chain_id: chainId }),

    // --- trading (viewer reads; trader simulates / executes; admin sets mode and limits) ---
    trades: (filter: TradeFilter, signal?: AbortSignal) => client.get<TradePage>(p("/trades"), { ...filter }, signal),
    trade: (id: string, signal?: AbortSignal) => client.get<Trade>(p(`/trades/${encodeURIComponent(id)}`), undefined, signal),
    /** Trader: eth_call of a current opportunity; records nothing. 409 when stale. */
    simulate: (opportunityId: string, body: Partial<SimulateRequest> = {}) =>
      client.request<Simulation>("POST", p(`/opportunities/${encodeURIComponent(opportunityId)}/simulate`), { body }),
    /**
     * Trader: trade a current opportunity. The same idempotency key (per user) never
     * trades twice: a retry answers the first trade with `duplicate: true`.
     */
    execute: (opportunityId: string, idempotencyKey: string, body: Partial<Omit<ExecuteRequest, "idempotency_key">> = {}) =>
      client.request<Execution>("POST", p(`/opportunities/${encodeURIComponent(opportunityId)}/execute`), {
        body,
        headers: { "Idempotency-Key": idempotencyKey },
      }),
    mode: () => client.get<ModeState>(p("/mode")),
    setMode: (body: ModeUpdate) => client.request<ModeChanged>("PUT", p("/mode"), { body }),
    /** The limits, the mode, the trades in flight and today's loss. */
    riskLimits: () => client.get<RiskState>(p("/risk-limits")),
    /** Fields left out keep their value; answers the limits now in force. */
    setRiskLimits: (body: RiskLimitsUpdate) => client.request<RiskLimits>("PUT", p("/risk-limits"), { body }),
    // --- models (409 with the engine's reason when it runs without models) ---
    /** The models' predictions for pools of one chain (at least one pool). */
    predictions: (chainId: number, pools: string[], signal?: AbortSignal) =>
      client.get<Predictions>(p("/predictions"), { chain_id: chainId, pool: pools }, signal),

    // --- statistics: PnL, trades, gas, the engine's latencies and resources, chart series ---
    stats: (query: { chain_id?: number; max_points?: number } = {}, signal?: AbortSignal) =>
      client.get<Stats>(p("/stats"), query, signal),

    // --- API keys (own) ---
    apiKeys: () => client.get<ApiKey[]>(p("/api-keys")),
    createApiKey: (body: ApiKeyCreate) => client.request<ApiKeyCreated>("POST", p("/api-keys"), { body }),
    revokeApiKey: (id: string) => client.request<ApiKey>("DELETE", p(`/api-keys/${encodeURIComponent(id)}`)),

    // --- admin ---
    users: () => client.get<User[]>(p("/admin/users")),
    updateUser: (id: number, body: UserUpdate) => client.request<User>("PATCH", p(`/admin/users/${id}`), { body }),
    revokeUserSessions: (id: number) => client.request<Revoked>("POST", p(`/admin/users/${id}/revoke-sessions`)),
    allSessions: () => client.get<Session[]>(p("/admin/sessions")),
    allApiKeys: () => client.get<ApiKey[]>(p("/admin/api-keys")),
    audit: (query: { limit?: number; before_id?: number; action?: string }) =>
      client.get<AuditEntry[]>(p("/admin/audit"), query),
    websockets: () => client.get<WebSocketHealth>(p("/admin/websockets")),
    /** The gateway process's own resource use (the engine's is in `stats`). */
    gatewayResources: () => client.get<ProcessResources>(p("/admin/resources")),
    engineConfig: () => client.get<EngineConfig>(p("/admin/engine-config")),

    // --- probes (no auth) ---
    ready: () => client.request<Health>("GET", "/ready", { anonymous: true }),
  };
}

export type Api = ReturnType<typeof createApi>;

/** The API every view uses. */
export const api: Api = createApi(apiClient);
