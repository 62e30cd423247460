/**
 * Overview: the engine per chain (block, lag, mode), and the trading figures (PnL per
 * start token, trades in flight, success rate, gas, latency per stage) from `GET /stats`,
 * refreshed every 10 s.
 */
import { Card, CardContent, Chip, Grid, Typography } from "@mui/material";
import { PageHeader } from "@/components/PageHeader";
import { RequestError } from "@/components/RequestError";
import { Stat } from "@/components/Stat";
import { api } from "@/lib/api/endpoints";
import { useConnectivity } from "@/lib/connectivity";
import { formatDuration } from "@/lib/format";
import { useRequest } from "@/lib/useRequest";
import { ChainStatusTable } from "./ChainStatusTable";
import { TradingStats } from "./TradingStats";
import { useEngineStatus } from "@/hooks/useEngineStatus";
import { useStats } from "@/hooks/useStats";

export default function OverviewPage() {
  const { status, source, error } = useEngineStatus();
  const engineDown = useConnectivity().engine === "down";
  // the newest point only: the series are the Performance page's
  const stats = useStats({ pollMs: 10_000, maxPoints: 1 });
  // the execution mode and the kill switch (409 when the engine runs without execution)
  const risk = useRequest(() => api.riskLimits(), [], { pollMs: 10_000 });
  const killSwitch = risk.data?.limits.kill_switch === true;

  return (
    <>
      <PageHeader
        title="Overview"
        subtitle={status ? `engine ${status.version}, up ${formatDuration(status.uptime_seconds)} · ${engineDown ? "last received before the engine went down" : source === "stream" ? "live" : "loaded"}` : "waiting for the engine"}
        actions={
          status ? (
            <Chip
              data-testid="engine-mode"
              label={`mode: ${status.mode}${risk.data ? ` · execution ${risk.data.mode}` : ""}${killSwitch ? " · KILL SWITCH ON" : ""}`}
              color={killSwitch ? "error" : "primary"}
            />
          ) : null
        }
      />
      <RequestError error={error} what="Engine status" />
      {status ? (
        <Grid container spacing={2} sx={{ mb: 2 }}>
          <Grid size={{ xs: 6, md: 2 }}>
            <Stat label="Chains" value={status.chains.length} />
          </Grid>
          <Grid size={{ xs: 6, md: 2 }}>
            <Stat label="Pools" value={status.pools.toLocaleString()} />
          </Grid>
          <Grid size={{ xs: 6, md: 2 }}>
            <Stat label="Tokens" value={status.tokens.toLocaleString()} />
          </Grid>
          <Grid size={{ xs: 6, md: 2 }}>
            <Stat label="Cycles" value={status.cycles.toLocaleString()} />
          </Grid>
          <Grid size={{ xs: 6, md: 2 }}>
            <Stat label="Opportunities now" value={status.opportunities} testId="stat-opportunities" />
          </Grid>
          <Grid size={{ xs: 6, md: 2 }}>
            <Stat label="Stream subscribers" value={status.subscribers} />
          </Grid>
        </Grid>
      ) : null}
      {status ? (
        <Card variant="outlined" sx={{ mb: 2 }}>
          <CardContent>
            <Typography variant="subtitle1" gutterBottom>
              Chains
            </Typography>
            <ChainStatusTable chains={status.chains} />
          </CardContent>
        </Card>
      ) : null}
      <Typography variant="subtitle1" gutterBottom>
        Trading
      </Typography>
      <RequestError error={stats.error} what="PnL, success rate, gas and latency" onRetry={stats.reload} />
      {stats.data ? <TradingStats stats={stats.data} /> : null}
    </>
  );
}
