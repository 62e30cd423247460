/**
 * System health (admin): engine and gateway readiness and resource use (CPU, memory,
 * threads, files), the WebSocket topics and their upstream streams, connected
 * clients, chain errors, active sessions.
 */
import { Card, CardContent, Chip, Grid, Table, TableBody, TableCell, TableHead, TableRow, Typography } from "@mui/material";
import { PageHeader } from "@/components/PageHeader";
import { RequestError } from "@/components/RequestError";
import { Stat } from "@/components/Stat";
import { api } from "@/lib/api/endpoints";
import { useConnectivity } from "@/lib/connectivity";
import { formatDuration, formatTime } from "@/lib/format";
import { useRequest } from "@/lib/useRequest";
import { useLink } from "@/lib/ws/LiveProvider";
import { useEngineStatus } from "@/hooks/useEngineStatus";
import { useStats } from "@/hooks/useStats";
import { ResourcesTable } from "./ResourcesTable";

export default function HealthPage() {
  const connectivity = useConnectivity();
  const link = useLink();
  const { status } = useEngineStatus();
  const ws = useRequest(() => api.websockets(), [], { pollMs: 5_000 });
  const sessions = useRequest(() => api.allSessions(), [], { pollMs: 30_000 });
  const users = useRequest(() => api.users(), []);
  // the engine's resources come with its statistics (one series point is enough here)
  const engineStats = useStats({ pollMs: 10_000, maxPoints: 1 });
  const gatewayUse = useRequest(() => api.gatewayResources(), [], { pollMs: 10_000 });
  const userName = (id: number) => {
    const u = users.data?.find((x) => x.id === id);
    return u ? (u.login ?? u.email ?? u.name ?? `user ${id}`) : `user ${id}`;
  };

  return (
    <>
      <PageHeader title="System health" subtitle="Engine, gateway, streams and sessions" />
      <Grid container spacing={2} sx={{ mb: 2 }}>
        <Grid size={{ xs: 6, md: 3 }}>
          <Stat label="Gateway" value={connectivity.gateway} />
        </Grid>
        <Grid size={{ xs: 6, md: 3 }}>
          <Stat label="Engine" value={connectivity.engine} hint={status ? `up ${formatDuration(status.uptime_seconds)}` : undefined} />
        </Grid>
        <Grid size={{ xs: 6, md: 3 }}>
          <Stat label="This page's stream" value={link.state} hint={link.reason ?? undefined} />
        </Grid>
        <Grid size={{ xs: 6, md: 3 }}>
          <Stat label="WebSocket clients" value={ws.data?.clients.length ?? "—"} />
        </Grid>
      </Grid>
      <RequestError error={engineStats.error} what="Engine resource use" onRetry={engineStats.reload} />
      <RequestError error={gatewayUse.error} what="Gateway resource use" onRetry={gatewayUse.reload} />
      <Card variant="outlined" sx={{ mb: 2 }}>
        <CardContent>
          <Typography variant="subtitle1">Resource use</Typography>
          <ResourcesTable
            processes={[
              { name: "engine", use: engineStats.data?.resources },
              { name: "gateway", use: gatewayUse.data },
            ]}
          />
        </CardContent>
      </Card>
      <RequestError error={ws.error} what="WebSocket health" onRetry={ws.reload} />
      {ws.data ? (
        <Card variant="outlined" sx={{ mb: 2 }}>
          <CardContent>
            <Typography variant="subtitle1">Topics</Typography>
            <Table size="small" aria-label="topics">
              <TableHead>
                <TableRow>
                  <TableCell>Topic</TableCell>
                  <TableCell>Role</TableCell>
                  <TableCell>Upstream</TableCell>
                  <TableCell align="right">Reconnects</TableCell>
                  <TableCell align="right">Seq</TableCell>
                  <TableCell align="right">Subscribers</TableCell>
                  <TableCell align="right">Replay buffered</TableCell>
                </TableRow>
              </TableHead>
              <TableBody>
                {ws.data.topics.map((t) => (
                  <TableRow key={t.name}>
                    <TableCell>{t.name}</TableCell>
                    <TableCell>{t.role}</TableCell>
                    <TableCell>
                      <Chip size="small" label={t.upstream_connected ? "connected" : "idle / down"} color={t.upstream_connected ? "success" : "default"} />
                    </TableCell>
                    <TableCell align="right">{t.upstream_reconnects}</TableCell>
                    <TableCell align="right">{t.seq}</TableCell>
                    <TableCell align="right">{t.subscribers}</TableCell>
                    <TableCell align="right">{t.replay_buffered}</TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
            <Typography variant="subtitle1" sx={{ mt: 2 }}>
              Clients
            </Typography>
            <Table size="small" aria-label="websocket clients">
              <TableHead>
                <TableRow>
                  <TableCell>Subject</TableCell>
                  <TableCell>Role</TableCell>
                  <TableCell>IP</TableCell>
                  <TableCell>Topics</TableCell>
                  <TableCell align="right">Queue</TableCell>
                  <TableCell align="right">Conflations</TableCell>
                  <TableCell align="right">Sent</TableCell>
                  <TableCell align="right">Connected</TableCell>
                </TableRow>
              </TableHead>
              <TableBody>
                {ws.data.clients.map((c) => (
                  <TableRow key={c.id}>
                    <TableCell>{c.subject}</TableCell>
                    <TableCell>{c.role}</TableCell>
                    <TableCell>{c.ip}</TableCell>
                    <TableCell>{c.topics.join(", ")}</TableCell>
                    <TableCell align="right">{c.queue_depth}</TableCell>
                    <TableCell align="right">{c.conflations}</TableCell>
                    <TableCell align="right">{c.sent}</TableCell>
                    <TableCell align="right">{formatDuration(c.connected_s)}</TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          </CardContent>
        </Card>
      ) : null}
      {status ? (
        <Card variant="outlined" sx={{ mb: 2 }}>
          <CardContent>
            <Typography variant="subtitle1">Chain errors (RPC health)</Typography>
            <Table size="small" aria-label="chain errors">
              <TableBody>
                {status.chains.map((c) => (
                  <TableRow key={c.chain_id}>
                    <TableCell>{c.name}</TableCell>
                    <TableCell>{c.state}</TableCell>
                    <TableCell>{c.blocks_failed} failed blocks</TableCell>
                    <TableCell>{c.last_error || "no error"}</TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          </CardContent>
        </Card>
      ) : null}
      <RequestError error={sessions.error} what="Sessions" />
      {sessions.data ? (
        <Card variant="outlined">
          <CardContent>
            <Typography variant="subtitle1">Active sessions ({sessions.data.length})</Typography>
            <Table size="small" aria-label="sessions">
              <TableHead>
                <TableRow>
                  <TableCell>User</TableCell>
                  <TableCell>Started</TableCell>
                  <TableCell>Expires</TableCell>
                  <TableCell>IP</TableCell>
                  <TableCell>Browser</TableCell>
                </TableRow>
              </TableHead>
              <TableBody>
                {sessions.data.map((s) => (
                  <TableRow key={s.id}>
                    <TableCell>{userName(s.user_id)}</TableCell>
                    <TableCell>{formatTime(s.created_at * 1000)}</TableCell>
                    <TableCell>{formatTime(s.expires_at * 1000)}</TableCell>
                    <TableCell>{s.ip ?? "—"}</TableCell>
                    <TableCell sx={{ maxWidth: 280, overflow: "hidden", textOverflow: "ellipsis", whiteSpace: "nowrap" }}>{s.user_agent ?? "—"}</TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          </CardContent>
        </Card>
      ) : null}
    </>
  );
}
