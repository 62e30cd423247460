/** Resource use of the engine (from `GET /stats`) and the gateway (`GET /admin/resources`). */
import { Table, TableBody, TableCell, TableHead, TableRow } from "@mui/material";
import type { ProcessResources } from "@/lib/api/types";
import { formatBytes, formatDuration } from "@/lib/format";

export function ResourcesTable({ processes }: { processes: { name: string; use: ProcessResources | undefined }[] }) {
  return (
    <Table size="small" aria-label="resource use">
      <TableHead>
        <TableRow>
          <TableCell>Process</TableCell>
          <TableCell align="right">Memory (RSS)</TableCell>
          <TableCell align="right">CPU</TableCell>
          <TableCell align="right">CPU time</TableCell>
          <TableCell align="right">Threads</TableCell>
          <TableCell align="right">Open files</TableCell>
          <TableCell align="right">Up</TableCell>
        </TableRow>
      </TableHead>
      <TableBody>
        {processes.map(({ name, use }) => (
          <TableRow key={name} data-testid={`resources-${name}`}>
            <TableCell>{name}</TableCell>
            {use ? (
              <>
                <TableCell align="right">{formatBytes(use.rss_bytes)}</TableCell>
                <TableCell align="right">{use.cpu_percent.toFixed(1)} %</TableCell>
                <TableCell align="right">{use.cpu_seconds.toFixed(1)} s</TableCell>
                <TableCell align="right">{use.threads}</TableCell>
                <TableCell align="right">{use.open_files}</TableCell>
                <TableCell align="right">{formatDuration(use.uptime_seconds)}</TableCell>
              </>
            ) : (
              <TableCell colSpan={6}>—</TableCell>
            )}
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}
