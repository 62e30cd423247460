/** The audit log, newest first; filter by action, page back with before_id. */
import { Button, Card, CardContent, Stack, Table, TableBody, TableCell, TableHead, TableRow, TextField, Typography } from "@mui/material";
import { useState } from "react";
import { RequestError } from "@/components/RequestError";
import { api } from "@/lib/api/endpoints";
import { formatTime } from "@/lib/format";
import { useRequest } from "@/lib/useRequest";

const PAGE = 50;

export function AuditLogPanel() {
  const [action, setAction] = useState("");
  const [cursors, setCursors] = useState<(number | undefined)[]>([undefined]);
  const beforeId = cursors[cursors.length - 1];
  const log = useRequest(() => api.audit({ limit: PAGE, before_id: beforeId, action: action || undefined }), [action, beforeId]);
  const last = log.data?.[log.data.length - 1];
  return (
    <Card variant="outlined">
      <CardContent>
        <Stack direction="row" spacing={2} alignItems="center" sx={{ mb: 1 }}>
          <Typography variant="subtitle1">Audit log</Typography>
          <TextField size="small" label="Action" placeholder="auth.login" value={action} onChange={(e) => {
            setAction(e.target.value);
            setCursors([undefined]);
          }} />
        </Stack>
        <RequestError error={log.error} what="Audit log" onRetry={log.reload} />
        {log.data ? (
          <>
            <Table size="small" aria-label="audit log">
              <TableHead>
                <TableRow>
                  <TableCell>Time</TableCell>
                  <TableCell>Actor</TableCell>
                  <TableCell>Action</TableCell>
                  <TableCell>Target</TableCell>
                  <TableCell>IP</TableCell>
                  <TableCell>Detail</TableCell>
                </TableRow>
              </TableHead>
              <TableBody>
                {log.data.map((entry) => (
                  <TableRow key={entry.id} data-testid="audit-row">
                    <TableCell>{formatTime(entry.ts * 1000)}</TableCell>
                    <TableCell>{entry.actor}</TableCell>
                    <TableCell>{entry.action}</TableCell>
                    <TableCell>{entry.target ?? "—"}</TableCell>
                    <TableCell>{entry.ip ?? "—"}</TableCell>
                    <TableCell>
                      <code>{entry.detail ? JSON.stringify(entry.detail) : ""}</code>
                    </TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
            <Stack direction="row" spacing={1} sx={{ mt: 1 }}>
              <Button disabled={cursors.length <= 1} onClick={() => setCursors(cursors.slice(0, -1))}>
                Newer
              </Button>
              <Button disabled={!last || log.data.length < PAGE} onClick={() => setCursors([...cursors, last?.id])}>
                Older
              </Button>
            </Stack>
          </>
        ) : null}
      </CardContent>
    </Card>
  );
}
