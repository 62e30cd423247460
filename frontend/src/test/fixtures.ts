/** Bodies shaped like the gateway's (gateway/api/schemas.py), for component tests. */
import type { EngineStatus, Me, Opportunity, Pool, ProcessResources, RiskState, Simulation, Stats, Token, Trade } from "@/lib/api/types";

export function me(role: Me["role"], id = 1): Me {
  return { id, provider: "oidc", email: `${role}@example.test`, login: role, name: `The ${role}`, role, via: "jwt", session_id: "s1", api_key_id: null };
}

export const WETH = "0x00000000000000000000000000000000000000aa";
export const USDC = "0x00000000000000000000000000000000000000bb";
export const POOL_A = "0x1111111111111111111111111111111111111111";
export const POOL_B = "0x2222222222222222222222222222222222222222";

export function opportunity(overrides: Partial<Opportunity> = {}): Opportunity {
  return {
    id: `1:${POOL_A},${POOL_B}:01`,
    chain_id: 31337,
    block_number: 100,
    block_hash: "0xabc",
    base_token: WETH,
    pools: [POOL_A, POOL_B],
    tokens: [WETH, USDC, WETH],
    zero_for_one: [true, false],
    amount_in: "1000000000000000000",
    amounts: ["2000000000", "1010000000000000000"],
    amount_out: "1010000000000000000",
    profit_gross: "10000000000000000",
    gas_units: 180000,
    gas_cost: "2000000000000000",
    profit_net: "8000000000000000",
    observed_unix_nanos: 1_700_000_000_000_000_000,
    published_unix_nanos: 1_700_000_000_001_000_000,
    profit_net_usd: null,
    gas_cost_usd: null,
    model_score: null,
    anomalous: false,
    model_decision: "",
    model_reason: "",
    ...overrides,
  };
}

export const tokens: Token[] = [
  { chain_id: 31337, address: WETH, symbol: "WETH", decimals: 18, is_base: true, is_native: false, usd_price: null, usd_price_updated_unix: 0, usd_price_feed: "" },
  { chain_id: 31337, address: USDC, symbol: "USDC", decimals: 6, is_base: false, is_native: false, usd_price: null, usd_price_updated_unix: 0, usd_price_feed: "" },
];

export const pools: Pool[] = [
  { chain_id: 31337, address: POOL_A, kind: "v2", dex: "uniswap", token0: WETH, token1: USDC, fee_pips: 3000, v2: { reserve0: "1", reserve1: "2" }, v3: null, price: 2000, updated_block: 99, oracle_deviation: null, off_oracle: false },
  { chain_id: 31337, address: POOL_B, kind: "v2", dex: "pancake", token0: WETH, token1: USDC, fee_pips: 2000, v2: { reserve0: "1", reserve1: "2" }, v3: null, price: 2020, updated_block: 99, oracle_deviation: null, off_oracle: false },
];

export function engineStatus(): EngineStatus {
  return {
    version: "0.1.0",
    mode: "watch",
    chains: [
      { chain_id: 31337, name: "devnet-a", state: "live", head_number: 100, head_hash: "0x1", head_timestamp: 1_700_000_000, chain_head_number: 100, sync_lag_blocks: 0, tokens: 2, pools: 2, blocks_processed: 100, blocks_failed: 0, reorgs: 0, gas_price_wei: "1000000000", last_error: "" },
    ],
    tokens: 2,
    pools: 2,
    cycles: 4,
    opportunities: 1,
    subscribers: 1,
    uptime_seconds: 60,
  };
}

export const TX = "0x" + "ab".repeat(32);

export function trade(overrides: Partial<Trade> = {}): Trade {
  return {
    id: "t-1",
    idempotency_key: "rpc:u2:k-1",
    source: "rpc",
    mode: "dry_run",
    chain_id: 31337,
    opportunity_id: `31337:${POOL_A},${POOL_B}:01`,
    block_number: 100,
    base_token: WETH,
    pools: [POOL_A, POOL_B],
    tokens: [WETH, USDC, WETH],
    executor: "0x00000000000000000000000000000000000000ee",
    amount_in: "1000000000000000000",
    min_profit: "1",
    deadline_block: 102,
    flash: false,
    profit_expected: "8000000000000000",
    gas_cost_expected: "2000000000000000",
    status: "mined",
    reason: "",
    sender: "0x00000000000000000000000000000000000000ff",
    has_nonce: true,
    nonce: 7,
    tx_hash: TX,
    gas_limit: 300000,
    max_fee_per_gas: "2000000000",
    max_priority_fee_per_gas: "1000000000",
    gas_used: 181000,
    effective_gas_price: "1500000000",
    mined_block: 101,
    profit_realized: "7500000000000000",
    final: true,
    created_unix_nanos: 1_700_000_000_000_000_000,
    updated_unix_nanos: 1_700_000_002_000_000_000,
    history: [
      { status: "created", at_unix_nanos: 1_700_000_000_000_000_000, tx_hash: "", detail: "" },
      { status: "simulated", at_unix_nanos: 1_700_000_000_500_000_000, tx_hash: "", detail: "profit 8000000000000000" },
      { status: "sent", at_unix_nanos: 1_700_000_001_000_000_000, tx_hash: TX, detail: "" },
      { status: "mined", at_unix_nanos: 1_700_000_002_000_000_000, tx_hash: TX, detail: "block 101" },
    ],
    transactions: [
      { tx_hash: TX, nonce: 7, kind: "original", max_fee_per_gas: "2000000000", max_priority_fee_per_gas: "1000000000", sent_unix_nanos: 1_700_000_001_000_000_000 },
    ],
    ...overrides,
  };
}

export function simulation(overrides: Partial<Simulation> = {}): Simulation {
  return {
    opportunity_id: `31337:${POOL_A},${POOL_B}:01`,
    chain_id: 31337,
    executable: true,
    profit: "9000000000000000",
    gas_estimate: 181000,
    max_fee_per_gas: "2000000000",
    max_priority_fee_per_gas: "1000000000",
    gas_cost_wei: "362000000000000",
    gas_cost: "362000000000000",
    profit_net: "8638000000000000",
    block_number: 100,
    reason: "",
    ...overrides,
  };
}

export function riskState(overrides: Partial<RiskState> = {}): RiskState {
  return {
    limits: {
      max_in_flight: 2,
      max_amount_in: { WETH: "5000000000000000000" },
      min_profit_net: "1000",
      daily_loss_limit_wei: "100000000000000000",
      pool_cooldown_blocks: 3,
      kill_switch: false,
      exclusive_pools: true,
    },
    mode: "dry_run",
    in_flight: 0,
    loss_today_wei: "0",
    ...overrides,
  };
}

export function processResources(overrides: Partial<ProcessResources> = {}): ProcessResources {
  return { rss_bytes: 150 * 1024 * 1024, cpu_percent: 12.5, cpu_seconds: 42.25, threads: 9, open_files: 31, uptime_seconds: 3720, ...overrides };
}

const T0 = 1_700_000_000_000_000_000; // unix nanos

/** `GET /stats` of an engine that trades: WETH and USDC on chain 31337. */
export function stats(overrides: Partial<Stats> = {}): Stats {
  const point = (i: number, token: string, profit: string, cumulative: string) => ({
    unix_nanos: T0 + i * 60_000_000_000,
    chain_id: 31337,
    token,
    trade_id: `t-${i}`,
    profit,
    cumulative,
    gas_wei: "271500000000000",
    net_usd: null,
  });
  return {
    generated_unix_nanos: T0 + 600_000_000_000,
    execution_enabled: true,
    pnl: [
      { chain_id: 31337, token: WETH, symbol: "WETH", decimals: 18, today: "7500000000000000", last_7d: "1007500000000000000", all_time: "3007500000000000000" },
      { chain_id: 31337, token: USDC, symbol: "USDC", decimals: 6, today: "-1500000", last_7d: "2500000", all_time: "12345678901" },
    ],
    gas: [{ chain_id: 31337, today: "271500000000000", last_7d: "1086000000000000", all_time: "2172000000000000" }],
    usd: null,
    trades: { total: 12, by_status: { mined: 6, reverted: 1, dropped: 1, simulated: 3, sent: 1 }, in_flight: 1, success_rate: 0.75, today: 4 },
    opportunities_today: 1234,
    opportunities_total: 56789,
    latencies: [
      { stage: "block_to_opportunities", samples: 5000, p50_ms: 1.234, p90_ms: 2.5, p99_ms: 4.567, max_ms: 12 },
      { stage: "opportunity_to_send", samples: 0, p50_ms: 0, p90_ms: 0, p99_ms: 0, max_ms: 0 },
      { stage: "send_to_mined", samples: 7, p50_ms: 1250, p90_ms: 2000, p99_ms: 2100, max_ms: 2100 },
    ],
    resources: processResources({ rss_bytes: 300 * 1024 * 1024, threads: 14 }),
    pnl_series: [
      point(1, WETH, "1000000000000000000", "1000000000000000000"),
      point(2, USDC, "2500000", "2500000"),
      point(3, WETH, "0", "1000000000000000000"),
      point(4, WETH, "2007500000000000000", "3007500000000000000"),
    ],
    latency_series: [
      { unix_nanos: T0, stage: "block_to_opportunities", samples: 60, p50_ms: 1.1, p99_ms: 3.9 },
      { unix_nanos: T0 + 60_000_000_000, stage: "block_to_opportunities", samples: 58, p50_ms: 1.3, p99_ms: 4.2 },
      { unix_nanos: T0 + 60_000_000_000, stage: "send_to_mined", samples: 2, p50_ms: 1200, p99_ms: 2100 },
    ],
    ...overrides,
  };
}

/** `GET /stats` of an engine without execution. */
export function statsWithoutExecution(): Stats {
  return stats({ execution_enabled: false, pnl: [], gas: [], trades: null, pnl_series: [] });
}
