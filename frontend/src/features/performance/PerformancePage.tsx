/**
 * Performance: cumulative realized PnL and the distribution of per-trade profit (one
 * start token at a time), and the engine's latency percentiles per minute (one stage at
 * a time), from `GET /stats` refreshed every 15 s.
 */
import { Alert, Card, CardContent, Grid, Stack, ToggleButton, ToggleButtonGroup, Typography } from "@mui/material";
import { type ReactElement, useState } from "react";
import { Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { PageHeader } from "@/components/PageHeader";
import { RequestError } from "@/components/RequestError";
import { EXECUTION_OFF, stageLabel, useStats } from "@/hooks/useStats";
import { cumulativePnlRows, latencyRows, profitHistogram, tokenSeries } from "./series";

const time = (t: number) => new Date(t).toLocaleTimeString();

function ChartCard({ title, actions, testId, children }: { title: string; actions?: ReactElement | null; testId: string; children: ReactElement }) {
  return (
    <Card variant="outlined" data-testid={testId}>
      <CardContent>
        <Stack direction="row" justifyContent="space-between" alignItems="center" sx={{ mb: 1 }}>
          <Typography variant="subtitle1">{title}</Typography>
          {actions}
        </Stack>
        <div style={{ width: "100%", height: 260 }}>
          <ResponsiveContainer>{children}</ResponsiveContainer>
        </div>
      </CardContent>
    </Card>
  );
}

function Choice({ label, value, options, onChange }: { label: string; value: string; options: { value: string; label: string }[]; onChange: (value: string) => void }) {
  if (options.length < 2) return null;
  return (
    <ToggleButtonGroup size="small" exclusive value={value} aria-label={label} onChange={(_, next: string | null) => next !== null && onChange(next)}>
      {options.map((o) => (
        <ToggleButton key={o.value} value={o.value}>
          {o.label}
        </ToggleButton>
      ))}
    </ToggleButtonGroup>
  );
}

export default function PerformancePage() {
  const stats = useStats({ pollMs: 15_000 });
  const [chosenToken, setToken] = useState<string | null>(null);
  const [stage, setStage] = useState("block_to_opportunities");
  const s = stats.data;
  const series = s ? tokenSeries(s.pnl_series, s.pnl) : [];
  const token = series.find((t) => t.key === chosenToken) ?? series[0];
  const pnlRows = s && token ? cumulativePnlRows(s.pnl_series, token) : [];
  const histogram = s && token ? profitHistogram(s.pnl_series, token) : [];
  const latency = s ? latencyRows(s.latency_series, stage) : [];
  const tokenChoice = (
    <Choice label="start token" value={token?.key ?? ""} options={series.map((t) => ({ value: t.key, label: t.label }))} onChange={setToken} />
  );
  return (
    <>
      <PageHeader title="Performance" subtitle="Cumulative PnL, profit distribution and latency percentiles" />
      <RequestError error={stats.error} what="Performance series" onRetry={stats.reload} />
      {s ? (
        <Grid container spacing={2}>
          {!s.execution_enabled ? (
            <Grid size={{ xs: 12 }}>
              <Alert severity="info" data-testid="execution-off">
                PnL and profit distribution: {EXECUTION_OFF}.
              </Alert>
            </Grid>
          ) : token === undefined ? (
            <Grid size={{ xs: 12 }}>
              <Alert severity="info" data-testid="no-trades">
                No trade mined or reverted yet: the PnL charts start with the first.
              </Alert>
            </Grid>
          ) : (
            <>
              <Grid size={{ xs: 12, lg: 6 }}>
                <ChartCard title={`Cumulative PnL (${token.label})`} actions={tokenChoice} testId="chart-pnl">
                  <LineChart data={pnlRows}>
                    <CartesianGrid strokeDasharray="3 3" opacity={0.3} />
                    <XAxis dataKey="t" type="number" scale="time" domain={["dataMin", "dataMax"]} tickFormatter={time} />
                    <YAxis />
                    <Tooltip labelFormatter={(t) => time(Number(t))} />
                    <Line dataKey="pnl" name={token.label} stroke="#66bb6a" dot={false} isAnimationActive={false} />
                  </LineChart>
                </ChartCard>
              </Grid>
              <Grid size={{ xs: 12, lg: 6 }}>
                <ChartCard title={`Profit per trade (${token.label})`} testId="chart-profit-histogram">
                  <BarChart data={histogram}>
                    <CartesianGrid strokeDasharray="3 3" opacity={0.3} />
                    <XAxis dataKey="label" />
                    <YAxis allowDecimals={false} />
                    <Tooltip />
                    <Bar dataKey="count" name="trades" fill="#4fc3f7" isAnimationActive={false} />
                  </BarChart>
                </ChartCard>
              </Grid>
            </>
          )}
          <Grid size={{ xs: 12 }}>
            <ChartCard
              title={`Latency percentiles per minute (ms): ${stageLabel(stage)}`}
              testId="chart-latency"
              actions={
                <Choice label="stage" value={stage} options={s.latencies.map((l) => ({ value: l.stage, label: stageLabel(l.stage) }))} onChange={setStage} />
              }
            >
              <LineChart data={latency}>
                <CartesianGrid strokeDasharray="3 3" opacity={0.3} />
                <XAxis dataKey="t" type="number" scale="time" domain={["dataMin", "dataMax"]} tickFormatter={time} />
                <YAxis />
                <Tooltip labelFormatter={(t) => time(Number(t))} />
                <Legend />
                <Line dataKey="p50" stroke="#4fc3f7" dot={false} isAnimationActive={false} />
                <Line dataKey="p99" stroke="#ef5350" dot={false} isAnimationActive={false} />
              </LineChart>
            </ChartCard>
          </Grid>
        </Grid>
      ) : null}
    </>
  );
}
