/**
 * One opportunity, hop by hop; traders can simulate or execute it. Both send the
 * block the opportunity is shown at: the engine refuses it (409, stale) once a newer
 * block replaced it. Every click of Execute gets a new idempotency key.
 */
import {
  Alert,
  Box,
  Button,
  Chip,
  Divider,
  Drawer,
  Stack,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  Tooltip,
  Typography,
} from "@mui/material";
import { useEffect, useState } from "react";
import { Link as RouterLink } from "react-router";
import { RequestError } from "@/components/RequestError";
import { api } from "@/lib/api/endpoints";
import { ApiError, isApiError } from "@/lib/api/errors";
import { newIdempotencyKey } from "@/lib/api/idempotency";
import type { Execution, Opportunity, Simulation } from "@/lib/api/types";
import { useCan } from "@/lib/auth/AuthProvider";
import { formatUnits, nanosToMs, shortAddress } from "@/lib/format";
import { useCatalog } from "@/hooks/useCatalog";
import { formatScore, formatUsdAmount, modelView } from "./model";

export interface OpportunityDetailProps {
  opportunity: Opportunity | null;
  /** Still among the engine's current opportunities? */
  current: boolean;
  onClose: () => void;
}

export function OpportunityDetail({ opportunity, current, onClose }: OpportunityDetailProps) {
  const catalog = useCatalog();
  const canTrade = useCan("trader");
  const [busy, setBusy] = useState<"simulate" | "execute" | null>(null);
  const [simulation, setSimulation] = useState<Simulation | null>(null);
  const [execution, setExecution] = useState<Execution | null>(null);
  const [error, setError] = useState<{ action: "simulate" | "execute"; error: ApiError } | null>(null);

  // another opportunity: the last one's outcome no longer applies
  const openId = opportunity?.id ?? null;
  useEffect(() => {
    setSimulation(null);
    setExecution(null);
    setError(null);
  }, [openId]);

  const run = async (action: "simulate" | "execute") => {
    if (opportunity === null) return;
    const body = { block_number: opportunity.block_number };
    setBusy(action);
    setError(null);
    setSimulation(null);
    setExecution(null);
    try {
      if (action === "simulate") setSimulation(await api.simulate(opportunity.id, body));
      else setExecution(await api.execute(opportunity.id, newIdempotencyKey(), body));
    } catch (caught) {
      setError({ action, error: isApiError(caught) ? caught : new ApiError("server", 0, String(caught)) });
    } finally {
      setBusy(null);
    }
  };

  const o = opportunity;
  const decimalsOf = (address: string) => (o ? (catalog.token(o.chain_id, address)?.decimals ?? 18) : 18);
  return (
    <Drawer anchor="right" open={o !== null} onClose={onClose} sx={{ zIndex: (t) => t.zIndex.modal }} slotProps={{ paper: { sx: { width: { xs: "100%", md: 720 } } } }}>
      {o ? (
        <Box sx={{ p: 3 }} data-testid="opportunity-detail">
          <Stack direction="row" justifyContent="space-between" alignItems="center">
            <Typography variant="h6">Opportunity on chain {o.chain_id}</Typography>
            <Button onClick={onClose}>Close</Button>
          </Stack>
          <Typography variant="body2" color="text.secondary" sx={{ wordBreak: "break-all" }}>
            {o.id}
          </Typography>
          <Stack direction="row" spacing={1} sx={{ my: 2 }}>
            <Chip label={current ? "current" : "no longer current"} color={current ? "success" : "default"} size="small" />
            <Chip label={`block ${o.block_number}`} size="small" />
            <Chip label={`${o.pools.length} hops`} size="small" />
            <Chip label={`${o.gas_units.toLocaleString()} gas`} size="small" />
          </Stack>
          <Table size="small" aria-label="hops">
            <TableHead>
              <TableRow>
                <TableCell>#</TableCell>
                <TableCell>Pool</TableCell>
                <TableCell>DEX</TableCell>
                <TableCell>In</TableCell>
                <TableCell>Out</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {o.pools.map((pool, i) => {
                const info = catalog.pool(o.chain_id, pool);
                const tokenIn = o.tokens[i] ?? "";
                const tokenOut = o.tokens[i + 1] ?? "";
                const amountIn = i === 0 ? o.amount_in : (o.amounts[i - 1] ?? "");
                const amountOut = o.amounts[i] ?? "";
                return (
                  <TableRow key={`${pool}-${i}`} data-testid="hop-row">
                    <TableCell>{i + 1}</TableCell>
                    <TableCell title={pool}>{shortAddress(pool)}</TableCell>
                    <TableCell>
                      {info ? `${info.dex} ${info.kind.toUpperCase()} ${(info.fee_pips / 10_000).toFixed(2)} %` : "—"}
                    </TableCell>
                    <TableCell>
                      {formatUnits(amountIn, decimalsOf(tokenIn))} {catalog.symbol(o.chain_id, tokenIn)}
                    </TableCell>
                    <TableCell>
                      {formatUnits(amountOut, decimalsOf(tokenOut))} {catalog.symbol(o.chain_id, tokenOut)}
                    </TableCell>
                  </TableRow>
                );
              })}
            </TableBody>
          </Table>
          <Divider sx={{ my: 2 }} />
          <Stack spacing={0.5}>
            {(
              [
                ["Amount in", o.amount_in],
                ["Amount out", o.amount_out],
                ["Gross profit", o.profit_gross],
                ["Gas cost", o.gas_cost],
                ["Net profit", o.profit_net],
              ] as const
            ).map(([label, value]) => (
              <Typography key={label} variant="body2">
                {label}: <b>{formatUnits(value, decimalsOf(o.base_token), 9)}</b> {catalog.symbol(o.chain_id, o.base_token)}{" "}
                <Typography component="span" variant="caption" color="text.secondary">
                  ({value} raw)
                </Typography>
              </Typography>
            ))}
            {o.profit_net_usd !== null ? (
              <Typography variant="body2" data-testid="usd-values">
                In USD (reference prices): net <b>{formatUsdAmount(o.profit_net_usd)}</b>
                {o.gas_cost_usd !== null ? `, gas ${formatUsdAmount(o.gas_cost_usd)}` : ""}
              </Typography>
            ) : null}
            <Typography variant="body2" color="text.secondary">
              Observed {new Date(nanosToMs(o.observed_unix_nanos)).toLocaleTimeString()}, published{" "}
              {((o.published_unix_nanos - o.observed_unix_nanos) / 1e6).toFixed(2)} ms later.
            </Typography>
          </Stack>
          <Divider sx={{ my: 2 }} />
          <ModelVerdict opportunity={o} />
          <Divider sx={{ my: 2 }} />
          <Stack direction="row" spacing={1}>
            <Tooltip title={canTrade ? "" : "needs the trader role"}>
              <span>
                <Button
                  variant="outlined"
                  disabled={!canTrade || busy !== null || !current}
                  onClick={() => void run("simulate")}
                  data-testid="simulate"
                >
                  {busy === "simulate" ? "Simulating…" : "Simulate"}
                </Button>
              </span>
            </Tooltip>
            <Tooltip title={canTrade ? "" : "needs the trader role"}>
              <span>
                <Button
                  variant="contained"
                  color="warning"
                  disabled={!canTrade || busy !== null || !current}
                  onClick={() => void run("execute")}
                  data-testid="execute"
                >
                  {busy === "execute" ? "Executing…" : "Execute"}
                </Button>
              </span>
            </Tooltip>
          </Stack>
          {!canTrade ? (
            <Alert severity="info" sx={{ mt: 2 }}>
              Viewers watch only: simulating and executing needs the trader role.
            </Alert>
          ) : null}
          {canTrade && !current ? (
            <Alert severity="info" sx={{ mt: 2 }}>
              No longer current: the engine would refuse it as stale.
            </Alert>
          ) : null}
          <Box sx={{ mt: 2 }}>
            {error?.error.kind === "conflict" ? (
              <Alert severity="warning" data-testid="execution-refused">
                {error.action === "simulate" ? "Simulation" : "Execution"} refused by the engine:{" "}
                <span data-testid="refusal-reason">{error.error.message}</span>
              </Alert>
            ) : (
              <RequestError error={error?.error ?? null} what={error?.action === "simulate" ? "Simulation" : "Execution"} />
            )}
            {simulation ? (
              <Alert severity={simulation.executable ? "success" : "warning"} data-testid="simulation-result">
                Simulated at block {simulation.block_number}: {simulation.executable ? "executable" : "not executable"}
                {simulation.reason ? ` (${simulation.reason})` : ""}. Profit {formatUnits(simulation.profit, decimalsOf(o.base_token), 9)}, gas{" "}
                {simulation.gas_estimate.toLocaleString()} costing {formatUnits(simulation.gas_cost, decimalsOf(o.base_token), 9)}, net{" "}
                <b>{formatUnits(simulation.profit_net, decimalsOf(o.base_token), 9)}</b> {catalog.symbol(o.chain_id, o.base_token)}.
              </Alert>
            ) : null}
            {execution ? (
              <Alert
                severity={execution.trade.reason ? "warning" : "success"}
                data-testid="execution-result"
                action={
                  <Button component={RouterLink} to={`/trades/${encodeURIComponent(execution.trade.id)}`} color="inherit" size="small">
                    Open trade
                  </Button>
                }
              >
                Trade {execution.trade.id}: {execution.trade.status} ({execution.trade.mode})
                {execution.duplicate ? " — this key was used before: that trade, nothing new was done" : ""}
                {execution.trade.reason ? ` — ${execution.trade.reason}` : ""}
                {execution.trade.tx_hash ? `, tx ${execution.trade.tx_hash}` : ""}
              </Alert>
            ) : null}
          </Box>
        </Box>
      ) : null}
    </Drawer>
  );
}

/** The models' decision on the opportunity and why (every pool's anomaly score). */
function ModelVerdict({ opportunity }: { opportunity: Opportunity }) {
  const view = modelView(opportunity);
  if (view.kind === "none") {
    return (
      <Typography variant="body2" color="text.secondary" data-testid="model-verdict">
        Models: the engine runs without models; opportunities are not scored.
      </Typography>
    );
  }
  const skipped = view.decision === "skip";
  return (
    <Alert severity={skipped ? "warning" : "success"} data-testid="model-verdict">
      <Stack direction="row" spacing={1} alignItems="center" sx={{ mb: 0.5 }}>
        <b>Models: {skipped ? "skipped by the strategy" : "passed"}</b>
        {view.kind === "scored" ? <Chip size="small" label={`score ${formatScore(view.score)}`} /> : null}
        {view.kind === "scored" && view.anomalous ? <Chip size="small" color="error" label="anomalous" /> : null}
      </Stack>
      <Typography variant="body2" sx={{ wordBreak: "break-all" }} data-testid="model-reason">
        {view.reason}
      </Typography>
    </Alert>
  );
}
