/**
 * Display formatting. Token amounts stay integers (decimal strings, BigInt) until
 * the last step; only the text shown is rounded.
 */

/** `raw` (an integer as a decimal string, maybe negative) in units of 10^decimals. */
export function formatUnits(raw: string | null | undefined, decimals = 18, digits = 6): string {
  if (raw === null || raw === undefined || raw === "") return "—";
  let value: bigint;
  try {
    value = BigInt(raw);
  } catch {
    return raw;
  }
  const negative = value < 0n;
  if (negative) value = -value;
  const scale = 10n ** BigInt(decimals);
  const whole = value / scale;
  let fraction = (value % scale).toString().padStart(decimals, "0").slice(0, digits).replace(/0+$/, "");
  if (fraction === "" && value !== 0n && whole === 0n) {
    // smaller than the digits shown: say so instead of printing 0
    return `${negative ? "-" : ""}<0.${"0".repeat(Math.max(0, digits - 1))}1`;
  }
  const wholeText = whole.toLocaleString("en-US");
  fraction = fraction ? `.${fraction}` : "";
  return `${negative ? "-" : ""}${wholeText}${fraction}`;
}

/** Compare two integer decimal strings (for sorting amounts without floats). */
export function compareIntStrings(a: string, b: string): number {
  const x = BigInt(a || "0");
  const y = BigInt(b || "0");
  return x < y ? -1 : x > y ? 1 : 0;
}

export function isNegative(raw: string | null | undefined): boolean {
  return typeof raw === "string" && raw.startsWith("-");
}

export function shortAddress(address: string | null | undefined): string {
  if (!address) return "—";
  return address.length > 12 ? `${address.slice(0, 6)}…${address.slice(-4)}` : address;
}

export function formatGwei(wei: string | null | undefined): string {
  return `${formatUnits(wei, 9, 3)} gwei`;
}

export function formatPrice(price: number | null | undefined): string {
  if (price === null || price === undefined || !Number.isFinite(price)) return "—";
  if (price === 0) return "0";
  const abs = Math.abs(price);
  if (abs >= 1e6 || abs < 1e-4) return price.toExponential(4);
  return price.toPrecision(6);
}

export function formatPercent(fraction: number | null | undefined, digits = 1): string {
  if (fraction === null || fraction === undefined || !Number.isFinite(fraction)) return "—";
  return `${(fraction * 100).toFixed(digits)} %`;
}

/** "12 s ago", "3 min ago" from a time in ms since epoch. */
export function ago(ms: number | null | undefined, now: number = Date.now()): string {
  if (ms === null || ms === undefined) return "never";
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

export function formatDuration(seconds: number): string {
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  if (d > 0) return `${d} d ${h} h`;
  if (h > 0) return `${h} h ${m} min`;
  if (m > 0) return `${m} min ${Math.floor(seconds % 60)} s`;
  return `${Math.floor(seconds)} s`;
}

export function formatTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return "—";
  return new Date(ms).toLocaleString();
}

export const nanosToMs = (nanos: number): number => nanos / 1e6;

/**
 * An integer amount (decimal string) in whole units as a number, for chart axes only:
 * scaled with BigInt to `digits` decimals first, so only the last step rounds.
 */
export function unitsToNumber(raw: string, decimals: number, digits = 6): number {
  const value = BigInt(raw);
  const shift = decimals - digits;
  const scaled = shift >= 0 ? value / 10n ** BigInt(shift) : value * 10n ** BigInt(-shift);
  return Number(scaled) / 10 ** digits;
}

/** A latency: "0.42 ms", "12.3 ms", "250 ms". */
export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "—";
  return `${ms.toFixed(ms < 10 ? 2 : ms < 100 ? 1 : 0)} ms`;
}

/** "512 KiB", "1.5 GiB". */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return "—";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(value >= 100 ? 0 : 1)} ${units[unit]}`;
}
