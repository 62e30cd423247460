/**
 * Trades: history with filters and pagination (GET /trades), one trade's timeline,
 * transactions, gas and profit (GET /trades/{id}); traders also follow the trades
 * in flight live (the `trades` topic).
 */
import {
  Box,
  Button,
  Chip,
  Drawer,
  FormControl,
  InputLabel,
  MenuItem,
  OutlinedInput,
  Select,
  Stack,
  Table,
  TableBody,
  TableCell,
  TableContainer,
  TableHead,
  TableRow,
  TextField,
  Typography,
} from "@mui/material";
import { type ReactNode, useEffect, useMemo, useRef, useState } from "react";
import { useNavigate, useParams } from "react-router";
import { PageHeader } from "@/components/PageHeader";
import { RequestError, TopicRefused, TopicUnavailable } from "@/components/RequestError";
import { useCatalog } from "@/hooks/useCatalog";
import { api } from "@/lib/api/endpoints";
import { TRADE_STATUSES, type Trade, type TradeStatus } from "@/lib/api/types";
import { useCan } from "@/lib/auth/AuthProvider";
import { formatGwei, formatUnits, nanosToMs, shortAddress } from "@/lib/format";
import { useRequest } from "@/lib/useRequest";
import { useTopic } from "@/lib/ws/LiveProvider";
import { gasUsed, statusColor } from "./model";
import { TradeTimeline } from "./TradeTimeline";

const PAGE_SIZE = 50;
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
/** Reload the history at most this often while trade updates stream in. */
const RELOAD_EVERY_MS = 2_000;

/** Amounts of a trade are in its start token's units. */
function useAmount() {
  const catalog = useCatalog();
  return (trade: Trade, raw: string) => {
    const decimals = catalog.token(trade.chain_id, trade.base_token)?.decimals ?? 18;
    return formatUnits(raw, decimals, 9);
  };
}

function TradeRows({ trades, onOpen, testId }: { trades: readonly Trade[]; onOpen: (id: string) => void; testId: string }) {
  const amount = useAmount();
  const catalog = useCatalog();
  return (
    <TableBody>
      {trades.map((t) => (
        <TableRow key={t.id} hover sx={{ cursor: "pointer" }} onClick={() => onOpen(t.id)} data-testid={testId} data-trade-id={t.id}>
          <TableCell>{new Date(nanosToMs(t.created_unix_nanos)).toLocaleString()}</TableCell>
          <TableCell>{t.chain_id}</TableCell>
          <TableCell>
            <Chip size="small" label={t.status} color={statusColor(t.status)} />
          </TableCell>
          <TableCell>
            {t.mode} · {t.source}
          </TableCell>
          <TableCell title={t.tx_hash}>{shortAddress(t.tx_hash)}</TableCell>
          <TableCell align="right">{gasUsed(t)}</TableCell>
          <TableCell align="right">
            {amount(t, t.profit_expected)} {catalog.symbol(t.chain_id, t.base_token)}
          </TableCell>
          <TableCell align="right">{amount(t, t.profit_realized)}</TableCell>
        </TableRow>
      ))}
    </TableBody>
  );
}

function TradeHead() {
  return (
    <TableHead>
      <TableRow>
        <TableCell>Time</TableCell>
        <TableCell>Chain</TableCell>
        <TableCell>Status</TableCell>
        <TableCell>Mode · source</TableCell>
        <TableCell>Tx</TableCell>
        <TableCell align="right">Gas used</TableCell>
        <TableCell align="right">Expected</TableCell>
        <TableCell align="right">Realized</TableCell>
      </TableRow>
    </TableHead>
  );
}

/** Traders: the trades in flight, live; each update also reloads the history (throttled). */
function LiveTrades({ onUpdate, onOpen }: { onUpdate: () => void; onOpen: (id: string) => void }) {
  const { data, status } = useTopic("trades");
  const lastReload = useRef(0);
  useEffect(() => {
    if (data.updatedAt === null) return;
    const wait = Math.max(0, lastReload.current + RELOAD_EVERY_MS - Date.now());
    const timer = setTimeout(() => {
      lastReload.current = Date.now();
      onUpdate();
    }, wait);
    return () => clearTimeout(timer);
  }, [data.updatedAt, onUpdate]);
  if (status.availability === "refused") {
    return (
      <Box sx={{ mb: 2 }}>
        <TopicRefused summary="Live trades: execution is not configured on the engine." message={status.message} />
      </Box>
    );
  }
  if (status.availability === "unavailable" || status.availability === "forbidden") {
    return (
      <Box sx={{ mb: 2 }}>
        <TopicUnavailable topic="trades" message={status.message} />
      </Box>
    );
  }
  const inFlight = [...data.inFlight.values()].sort((a, b) => b.created_unix_nanos - a.created_unix_nanos);
  return (
    <Box sx={{ mb: 2 }} data-testid="trades-in-flight">
      <Typography variant="subtitle1">
        In flight ({status.availability === "ok" ? inFlight.length : "waiting for the stream"})
      </Typography>
      {inFlight.length > 0 ? (
        <TableContainer>
          <Table size="small" aria-label="trades in flight">
            <TradeHead />
            <TradeRows trades={inFlight} onOpen={onOpen} testId="in-flight-row" />
          </Table>
        </TableContainer>
      ) : null}
    </Box>
  );
}

function Field({ label, children }: { label: string; children: ReactNode }) {
  return (
    <Typography variant="body2" sx={{ wordBreak: "break-all" }}>
      <Typography component="span" variant="body2" color="text.secondary">
        {label}:
      </Typography>{" "}
      {children}
    </Typography>
  );
}

function TradeDetail({ tradeId, onClose }: { tradeId: string | null; onClose: () => void }) {
  const trade = useRequest((signal) => api.trade(tradeId ?? "", signal), [tradeId], { enabled: tradeId !== null });
  const amount = useAmount();
  const catalog = useCatalog();
  const t = trade.data !== undefined && trade.data.id === tradeId ? trade.data : null;
  return (
    <Drawer
      anchor="right"
      open={tradeId !== null}
      onClose={onClose}
      sx={{ zIndex: (theme) => theme.zIndex.modal }}
      slotProps={{ paper: { sx: { width: { xs: "100%", md: 640 } } } }}
    >
      <Box sx={{ p: 3 }} data-testid="trade-detail">
        <Stack direction="row" justifyContent="space-between">
          <Typography variant="h6" sx={{ wordBreak: "break-all" }}>
            Trade {tradeId}
          </Typography>
          <Button onClick={onClose}>Close</Button>
        </Stack>
        <RequestError error={trade.error} what="Trade" />
        {t ? (
          <Stack spacing={0.75} sx={{ mt: 2 }}>
            <Stack direction="row" spacing={1}>
              <Chip size="small" label={t.status} color={statusColor(t.status)} />
              <Chip size="small" label={t.mode} />
              <Chip size="small" label={t.source === "rpc" ? "via the API" : "engine loop"} />
              {t.final ? <Chip size="small" label="final" /> : <Chip size="small" label="in flight" color="info" />}
            </Stack>
            {t.reason ? <Field label="Reason">{t.reason}</Field> : null}
            <Field label="Opportunity">{t.opportunity_id}</Field>
            <Field label="Route">
              {t.tokens.map((token) => catalog.symbol(t.chain_id, token)).join(" → ")} over {t.pools.length} pools, from block{" "}
              {t.block_number} (deadline {t.deadline_block}){t.flash ? ", flash loan" : ""}
            </Field>
            <Field label="Amount in">
              {amount(t, t.amount_in)} {catalog.symbol(t.chain_id, t.base_token)}
            </Field>
            <Field label="Profit">
              expected {amount(t, t.profit_expected)} (gas {amount(t, t.gas_cost_expected)}, minimum {amount(t, t.min_profit)}) · realized{" "}
              {amount(t, t.profit_realized)}
            </Field>
            <Field label="Transaction">{t.tx_hash || "not sent"}</Field>
            <Field label="Sender">
              {t.sender || "—"}
              {t.has_nonce ? `, nonce ${t.nonce}` : ""}
            </Field>
            <Field label="Gas">
              used {gasUsed(t)} of {t.gas_limit ? t.gas_limit.toLocaleString() : "—"} at {t.effective_gas_price ? formatGwei(t.effective_gas_price) : "—"}{" "}
              (max fee {t.max_fee_per_gas ? formatGwei(t.max_fee_per_gas) : "—"}, tip{" "}
              {t.max_priority_fee_per_gas ? formatGwei(t.max_priority_fee_per_gas) : "—"})
              {t.mined_block ? `, mined in block ${t.mined_block}` : ""}
            </Field>
            <Typography variant="subtitle2" sx={{ pt: 1 }}>
              Status history
            </Typography>
            <TradeTimeline trade={t} />
            {t.transactions.length > 0 ? (
              <>
                <Typography variant="subtitle2" sx={{ pt: 1 }}>
                  Transactions
                </Typography>
                <Table size="small" aria-label="transactions">
                  <TableHead>
                    <TableRow>
                      <TableCell>Sent</TableCell>
                      <TableCell>Kind</TableCell>
                      <TableCell>Hash</TableCell>
                      <TableCell align="right">Nonce</TableCell>
                      <TableCell align="right">Max fee</TableCell>
                    </TableRow>
                  </TableHead>
                  <TableBody>
                    {t.transactions.map((tx) => (
                      <TableRow key={tx.tx_hash} data-testid="transaction-row">
                        <TableCell>{new Date(nanosToMs(tx.sent_unix_nanos)).toLocaleTimeString()}</TableCell>
                        <TableCell>{tx.kind}</TableCell>
                        <TableCell title={tx.tx_hash}>{shortAddress(tx.tx_hash)}</TableCell>
                        <TableCell align="right">{tx.nonce}</TableCell>
                        <TableCell align="right">{formatGwei(tx.max_fee_per_gas)}</TableCell>
                      </TableRow>
                    ))}
                  </TableBody>
                </Table>
              </>
            ) : null}
          </Stack>
        ) : null}
      </Box>
    </Drawer>
  );
}

export default function TradesPage() {
  const navigate = useNavigate();
  const { tradeId } = useParams();
  const isTrader = useCan("trader");
  const [chainId, setChainId] = useState("");
  const [statuses, setStatuses] = useState<TradeStatus[]>([]);
  const [baseToken, setBaseToken] = useState("");
  const [pool, setPool] = useState("");
  // page tokens of the pages before this one, for "previous"
  const [tokens, setTokens] = useState<string[]>([""]);
  const pageToken = tokens[tokens.length - 1] ?? "";
  const baseTokenOk = baseToken === "" || ADDRESS.test(baseToken);
  const poolOk = pool === "" || ADDRESS.test(pool);
  const filter = useMemo(
    () => ({
      chain_id: chainId ? Number(chainId) : undefined,
      status: statuses,
      base_token: baseTokenOk && baseToken ? baseToken : undefined,
      pool: poolOk && pool ? pool : undefined,
      page_size: PAGE_SIZE,
      page_token: pageToken,
    }),
    [chainId, statuses, baseToken, baseTokenOk, pool, poolOk, pageToken],
  );
  const trades = useRequest((signal) => api.trades(filter, signal), [filter]);
  const reset = () => setTokens([""]);
  const open = (id: string) => void navigate(`/trades/${encodeURIComponent(id)}`);

  return (
    <>
      <PageHeader title="Trades" subtitle="Every trade the engine sent, simulated or refused, newest first" />
      {isTrader ? <LiveTrades onUpdate={trades.reload} onOpen={open} /> : null}
      <Stack direction="row" spacing={2} sx={{ mb: 2 }} flexWrap="wrap" useFlexGap>
        <TextField
          size="small"
          label="Chain id"
          value={chainId}
          onChange={(e) => {
            setChainId(e.target.value.replace(/\D/g, ""));
            reset();
          }}
        />
        <FormControl size="small" sx={{ minWidth: 200 }}>
          <InputLabel id="trade-status">Status</InputLabel>
          <Select<TradeStatus[]>
            labelId="trade-status"
            multiple
            value={statuses}
            input={<OutlinedInput label="Status" />}
            renderValue={(selected) => selected.join(", ")}
            onChange={(e) => {
              const value = e.target.value;
              setStatuses((typeof value === "string" ? value.split(",") : value) as TradeStatus[]);
              reset();
            }}
          >
            {TRADE_STATUSES.map((s) => (
              <MenuItem key={s} value={s}>
                {s}
              </MenuItem>
            ))}
          </Select>
        </FormControl>
        <TextField
          size="small"
          label="Start token"
          placeholder="0x…"
          value={baseToken}
          error={!baseTokenOk}
          helperText={baseTokenOk ? undefined : "an address (0x + 40 hex digits)"}
          onChange={(e) => {
            setBaseToken(e.target.value.trim());
            reset();
          }}
        />
        <TextField
          size="small"
          label="Pool"
          placeholder="0x…"
          value={pool}
          error={!poolOk}
          helperText={poolOk ? undefined : "an address (0x + 40 hex digits)"}
          onChange={(e) => {
            setPool(e.target.value.trim());
            reset();
          }}
        />
      </Stack>
      <RequestError error={trades.error} what="Trade history" onRetry={trades.reload} />
      {trades.data ? (
        <>
          <TableContainer>
            <Table size="small" aria-label="trades">
              <TradeHead />
              <TradeRows trades={trades.data.trades} onOpen={open} testId="trade-row" />
            </Table>
          </TableContainer>
          {trades.data.trades.length === 0 ? (
            <Typography color="text.secondary" sx={{ mt: 1 }} data-testid="trades-empty">
              No trade matches.
            </Typography>
          ) : null}
          <Stack direction="row" spacing={1} sx={{ mt: 1 }}>
            <Button disabled={tokens.length <= 1} onClick={() => setTokens(tokens.slice(0, -1))}>
              Previous
            </Button>
            <Button disabled={!trades.data.next_page_token} onClick={() => setTokens([...tokens, trades.data?.next_page_token ?? ""])}>
              Next
            </Button>
          </Stack>
        </>
      ) : null}
      <TradeDetail tradeId={tradeId ? decodeURIComponent(tradeId) : null} onClose={() => void navigate("/trades")} />
    </>
  );
}
