/** Performance: cumulative PnL, profit distribution, latency percentiles over time. */
import { Card, CardContent, Grid, Typography } from "@mui/material";
import type { ReactElement } from "react";
import { Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { PageHeader } from "@/components/PageHeader";
import { RequestError } from "@/components/RequestError";
import { api } from "@/lib/api/endpoints";
import { useRequest } from "@/lib/useRequest";

const time = (t: number) => new Date(t).toLocaleTimeString();

function ChartCard({ title, children }: { title: string; children: ReactElement }) {
  return (
    <Card variant="outlined">
      <CardContent>
        <Typography variant="subtitle1" gutterBottom>
          {title}
        </Typography>
        <div style={{ width: "100%", height: 260 }}>
          <ResponsiveContainer>{children}</ResponsiveContainer>
        </div>
      </CardContent>
    </Card>
  );
}

export default function PerformancePage() {
  const stats = useRequest(() => api.stats(), [], { pollMs: 15_000 });
  const s = stats.data;
  return (
    <>
      <PageHeader title="Performance" subtitle="Cumulative PnL, profit distribution and latency percentiles" />
      <RequestError error={stats.error} what="Performance series" onRetry={stats.reload} />
      {s ? (
        <Grid container spacing={2}>
          <Grid size={{ xs: 12, lg: 6 }}>
            <ChartCard title="Cumulative PnL">
              <LineChart data={s.pnl_series ?? []}>
                <CartesianGrid strokeDasharray="3 3" opacity={0.3} />
                <XAxis dataKey="t" type="number" scale="time" domain={["dataMin", "dataMax"]} tickFormatter={time} />
                <YAxis />
                <Tooltip labelFormatter={(t) => time(Number(t))} />
                <Line dataKey="pnl" stroke="#66bb6a" dot={false} isAnimationActive={false} />
              </LineChart>
            </ChartCard>
          </Grid>
          <Grid size={{ xs: 12, lg: 6 }}>
            <ChartCard title="Profit distribution">
              <BarChart data={s.profit_histogram ?? []}>
                <CartesianGrid strokeDasharray="3 3" opacity={0.3} />
                <XAxis dataKey="bucket" />
                <YAxis allowDecimals={false} />
                <Tooltip />
                <Bar dataKey="count" fill="#4fc3f7" isAnimationActive={false} />
              </BarChart>
            </ChartCard>
          </Grid>
          <Grid size={{ xs: 12 }}>
            <ChartCard title="Latency percentiles (ms)">
              <LineChart data={s.latency_series ?? []}>
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
