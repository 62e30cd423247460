import { Chip, Table, TableBody, TableCell, TableContainer, TableHead, TableRow, Tooltip } from "@mui/material";
import type { ChainStatus } from "@/lib/api/types";
import { ago, formatGwei } from "@/lib/format";

const STATE_COLOR: Record<string, "success" | "warning" | "error" | "default" | "info"> = {
  live: "success",
  syncing: "info",
  reconnecting: "warning",
  failed: "error",
  idle: "default",
};

export function ChainStatusTable({ chains }: { chains: ChainStatus[] }) {
  return (
    <TableContainer>
      <Table size="small" aria-label="chains">
        <TableHead>
          <TableRow>
            <TableCell>Chain</TableCell>
            <TableCell>State</TableCell>
            <TableCell align="right">Block</TableCell>
            <TableCell align="right">Sync lag</TableCell>
            <TableCell align="right">Last block</TableCell>
            <TableCell align="right">Pools</TableCell>
            <TableCell align="right">Reorgs</TableCell>
            <TableCell align="right">Failed blocks</TableCell>
            <TableCell align="right">Gas price</TableCell>
            <TableCell>Last error</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {chains.map((chain) => (
            <TableRow key={chain.chain_id} data-testid={`chain-${chain.chain_id}`}>
              <TableCell>
                {chain.name} <small>({chain.chain_id})</small>
              </TableCell>
              <TableCell>
                <Chip size="small" label={chain.state} color={STATE_COLOR[chain.state] ?? "default"} />
              </TableCell>
              <TableCell align="right">{chain.head_number.toLocaleString()}</TableCell>
              <TableCell align="right">{chain.sync_lag_blocks}</TableCell>
              <TableCell align="right">{chain.head_timestamp ? ago(chain.head_timestamp * 1000) : "—"}</TableCell>
              <TableCell align="right">{chain.pools}</TableCell>
              <TableCell align="right">{chain.reorgs}</TableCell>
              <TableCell align="right">{chain.blocks_failed}</TableCell>
              <TableCell align="right">{formatGwei(chain.gas_price_wei)}</TableCell>
              <TableCell sx={{ maxWidth: 240, overflow: "hidden", textOverflow: "ellipsis", whiteSpace: "nowrap" }}>
                {chain.last_error ? <Tooltip title={chain.last_error}><span>{chain.last_error}</span></Tooltip> : "—"}
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </TableContainer>
  );
}
