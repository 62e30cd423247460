/**
 * The trading figures of `GET /stats`: realized PnL per start token and gas per chain
 * (today UTC, 7 days, all time), trades in flight and the success rate, opportunities
 * stored, and the engine's latency per stage. Amounts are formatted from their integer
 * strings with each token's decimals; without execution on the engine it says so
 * instead of showing zeros.
 */
import { Alert, Card, CardContent, Grid, Table, TableBody, TableCell, TableHead, TableRow, Typography } from "@mui/material";
import { Stat } from "@/components/Stat";
import { useCatalog } from "@/hooks/useCatalog";
import { EXECUTION_OFF, stageLabel } from "@/hooks/useStats";
import type { GasSpent, Stats, TokenPnl, TradeCounts } from "@/lib/api/types";
import { formatMs, formatPercent, formatUnits, isNegative, shortAddress } from "@/lib/format";

function Amount({ raw, decimals, unit }: { raw: string; decimals: number; unit: string }) {
  return (
    <Typography component="span" variant="body2" color={isNegative(raw) ? "error.main" : undefined}>
      {formatUnits(raw, decimals)} {unit}
    </Typography>
  );
}

function PnlTable({ pnl }: { pnl: TokenPnl[] }) {
  return (
    <Table size="small" aria-label="realized pnl" data-testid="pnl-table">
      <TableHead>
        <TableRow>
          <TableCell>Start token</TableCell>
          <TableCell align="right">Today</TableCell>
          <TableCell align="right">7 days</TableCell>
          <TableCell align="right">All time</TableCell>
        </TableRow>
      </TableHead>
      <TableBody>
        {pnl.map((p) => {
          const unit = p.symbol || shortAddress(p.token);
          return (
            <TableRow key={`${p.chain_id}:${p.token}`} data-testid="pnl-row">
              <TableCell>
                {unit} <Typography component="span" variant="caption" color="text.secondary">chain {p.chain_id}</Typography>
              </TableCell>
              <TableCell align="right">
                <Amount raw={p.today} decimals={p.decimals} unit={unit} />
              </TableCell>
              <TableCell align="right">
                <Amount raw={p.last_7d} decimals={p.decimals} unit={unit} />
              </TableCell>
              <TableCell align="right">
                <Amount raw={p.all_time} decimals={p.decimals} unit={unit} />
              </TableCell>
            </TableRow>
          );
        })}
        {pnl.length === 0 ? (
          <TableRow>
            <TableCell colSpan={4}>No trade mined yet</TableCell>
          </TableRow>
        ) : null}
      </TableBody>
    </Table>
  );
}

function GasTable({ gas, nativeSymbol }: { gas: GasSpent[]; nativeSymbol: (chainId: number) => string }) {
  return (
    <Table size="small" aria-label="gas spent" data-testid="gas-table">
      <TableHead>
        <TableRow>
          <TableCell>Gas spent</TableCell>
          <TableCell align="right">Today</TableCell>
          <TableCell align="right">7 days</TableCell>
          <TableCell align="right">All time</TableCell>
        </TableRow>
      </TableHead>
      <TableBody>
        {gas.map((g) => (
          <TableRow key={g.chain_id} data-testid="gas-row">
            <TableCell>chain {g.chain_id}</TableCell>
            {[g.today, g.last_7d, g.all_time].map((wei, i) => (
              <TableCell align="right" key={i}>
                <Amount raw={wei} decimals={18} unit={nativeSymbol(g.chain_id)} />
              </TableCell>
            ))}
          </TableRow>
        ))}
        {gas.length === 0 ? (
          <TableRow>
            <TableCell colSpan={4}>No gas paid yet</TableCell>
          </TableRow>
        ) : null}
      </TableBody>
    </Table>
  );
}

function outcomes(trades: TradeCounts): string {
  const n = (status: string) => trades.by_status[status] ?? 0;
  return `${n("mined")} mined · ${n("reverted")} reverted · ${n("dropped")} dropped`;
}

export function TradingStats({ stats }: { stats: Stats }) {
  const catalog = useCatalog();
  const nativeSymbol = (chainId: number) =>
    [...catalog.tokens.values()].find((t) => t.chain_id === chainId && t.is_native)?.symbol ?? "native";
  const trades = stats.execution_enabled ? stats.trades : null;
  const usd = stats.usd;
  return (
    <>
      {trades ? (
        <>
          <Grid container spacing={2} sx={{ mb: 2 }}>
            <Grid size={{ xs: 6, md: 3 }}>
              <Stat label="Trades in flight" value={trades.in_flight} testId="stat-in-flight" />
            </Grid>
            <Grid size={{ xs: 6, md: 3 }}>
              <Stat label="Success rate" value={formatPercent(trades.success_rate)} hint={outcomes(trades)} testId="stat-success-rate" />
            </Grid>
            <Grid size={{ xs: 6, md: 3 }}>
              <Stat label="Trades today" value={trades.today} hint={`${trades.total} in all`} testId="stat-trades-today" />
            </Grid>
            {usd ? (
              <Grid size={{ xs: 6, md: 3 }}>
                <Stat
                  label="Net PnL (USD)"
                  value={`$${usd.today.toFixed(2)} today`}
                  hint={`7 days $${usd.last_7d.toFixed(2)} · all $${usd.all_time.toFixed(2)}${usd.complete ? "" : " · some amounts had no price"}`}
                  testId="stat-usd"
                />
              </Grid>
            ) : null}
          </Grid>
          <Grid container spacing={2} sx={{ mb: 2 }}>
            <Grid size={{ xs: 12, lg: 7 }}>
              <Card variant="outlined">
                <CardContent>
                  <Typography variant="subtitle2" gutterBottom>
                    Realized PnL
                  </Typography>
                  <PnlTable pnl={stats.pnl} />
                </CardContent>
              </Card>
            </Grid>
            <Grid size={{ xs: 12, lg: 5 }}>
              <Card variant="outlined">
                <CardContent>
                  <Typography variant="subtitle2" gutterBottom>
                    Gas
                  </Typography>
                  <GasTable gas={stats.gas} nativeSymbol={nativeSymbol} />
                </CardContent>
              </Card>
            </Grid>
          </Grid>
        </>
      ) : (
        <Alert severity="info" data-testid="execution-off" sx={{ mb: 2 }}>
          PnL, trades and gas: {EXECUTION_OFF}.
        </Alert>
      )}
      <Grid container spacing={2}>
        <Grid size={{ xs: 6, md: 3 }}>
          <Stat label="Opportunities today" value={stats.opportunities_today.toLocaleString()} hint={`${stats.opportunities_total.toLocaleString()} stored`} testId="stat-opportunities-today" />
        </Grid>
        {stats.latencies.map((l) => (
          <Grid size={{ xs: 6, md: 3 }} key={l.stage}>
            <Stat
              label={`latency: ${stageLabel(l.stage)}`}
              value={l.samples ? `p50 ${formatMs(l.p50_ms)}` : "no samples yet"}
              hint={l.samples ? `p99 ${formatMs(l.p99_ms)} · ${l.samples.toLocaleString()} samples` : undefined}
              testId={`latency-${l.stage}`}
            />
          </Grid>
        ))}
      </Grid>
    </>
  );
}
