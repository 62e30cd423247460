/** The streaming table: one row per current opportunity, sortable by any amount or the model score. */
import {
  Chip,
  Table,
  TableBody,
  TableCell,
  TableContainer,
  TableHead,
  TablePagination,
  TableRow,
  TableSortLabel,
  Typography,
} from "@mui/material";
import { useState } from "react";
import type { Opportunity } from "@/lib/api/types";
import { formatUnits, isNegative, shortAddress } from "@/lib/format";
import { useCatalog } from "@/hooks/useCatalog";
import { formatScore, formatUsdAmount, modelView, type SortDirection, type SortKey } from "./model";

interface Column {
  key: SortKey | null;
  label: string;
  align?: "right";
}

const COLUMNS: Column[] = [
  { key: "chain_id", label: "Chain" },
  { key: "hops", label: "Route" },
  { key: null, label: "DEXes" },
  { key: "amount_in", label: "Size", align: "right" },
  { key: "profit_gross", label: "Gross profit", align: "right" },
  { key: "gas_cost", label: "Gas cost", align: "right" },
  { key: "profit_net", label: "Net profit", align: "right" },
  { key: "model_score", label: "Model score", align: "right" },
  { key: null, label: "Anomaly" },
  { key: null, label: "Decision" },
  { key: "block_number", label: "Block", align: "right" },
];

export interface OpportunityTableProps {
  rows: Opportunity[];
  sortKey: SortKey;
  direction: SortDirection;
  onSort: (key: SortKey) => void;
  onSelect: (opportunity: Opportunity) => void;
}

export function OpportunityTable({ rows, sortKey, direction, onSort, onSelect }: OpportunityTableProps) {
  const catalog = useCatalog();
  const [page, setPage] = useState(0);
  const [perPage, setPerPage] = useState(50);
  const lastPage = Math.max(0, Math.ceil(rows.length / perPage) - 1);
  const shown = rows.slice(Math.min(page, lastPage) * perPage, (Math.min(page, lastPage) + 1) * perPage);
  return (
    <>
      <TableContainer>
        <Table size="small" aria-label="live opportunities" data-testid="opportunity-table">
          <TableHead>
            <TableRow>
              {COLUMNS.map((column) => (
                <TableCell key={column.label} align={column.align} sortDirection={column.key === sortKey ? direction : false}>
                  {column.key ? (
                    <TableSortLabel
                      active={column.key === sortKey}
                      direction={column.key === sortKey ? direction : "desc"}
                      onClick={() => onSort(column.key as SortKey)}
                    >
                      {column.label}
                    </TableSortLabel>
                  ) : (
                    column.label
                  )}
                </TableCell>
              ))}
            </TableRow>
          </TableHead>
          <TableBody>
            {shown.map((o) => {
              const decimals = catalog.token(o.chain_id, o.base_token)?.decimals ?? 18;
              const base = catalog.symbol(o.chain_id, o.base_token);
              const dexes = [...new Set(o.pools.map((p) => catalog.pool(o.chain_id, p)?.dex ?? shortAddress(p)))];
              return (
                <TableRow
                  key={o.id}
                  hover
                  onClick={() => onSelect(o)}
                  sx={{ cursor: "pointer" }}
                  data-testid="opportunity-row"
                  data-opportunity-id={o.id}
                >
                  <TableCell>{o.chain_id}</TableCell>
                  <TableCell>{o.tokens.map((t) => catalog.symbol(o.chain_id, t)).join(" → ")}</TableCell>
                  <TableCell>{dexes.join(", ")}</TableCell>
                  <TableCell align="right">
                    {formatUnits(o.amount_in, decimals)} {base}
                  </TableCell>
                  <TableCell align="right">{formatUnits(o.profit_gross, decimals)}</TableCell>
                  <TableCell align="right">{formatUnits(o.gas_cost, decimals)}</TableCell>
                  <TableCell align="right" sx={{ color: isNegative(o.profit_net) ? "error.main" : "success.main", fontWeight: 600 }}>
                    {formatUnits(o.profit_net, decimals)} {base}
                    {o.profit_net_usd !== null ? (
                      <Typography component="div" variant="caption" color="text.secondary" data-testid="profit-net-usd">
                        {formatUsdAmount(o.profit_net_usd)}
                      </Typography>
                    ) : null}
                  </TableCell>
                  <ModelCells opportunity={o} />
                  <TableCell align="right">{o.block_number.toLocaleString()}</TableCell>
                </TableRow>
              );
            })}
          </TableBody>
        </Table>
      </TableContainer>
      <TablePagination
        component="div"
        count={rows.length}
        page={Math.min(page, lastPage)}
        onPageChange={(_e, p) => setPage(p)}
        rowsPerPage={perPage}
        onRowsPerPageChange={(e) => {
          setPerPage(Number(e.target.value));
          setPage(0);
        }}
        rowsPerPageOptions={[25, 50, 100, 250]}
      />
    </>
  );
}

/** Model score, anomaly flag and decision: what the engine's models said about the route. */
function ModelCells({ opportunity }: { opportunity: Opportunity }) {
  const view = modelView(opportunity);
  if (view.kind === "none") {
    const why = "the engine runs without models";
    return (
      <>
        <TableCell align="right" title={why} data-testid="model-score">
          —
        </TableCell>
        <TableCell title={why}>—</TableCell>
        <TableCell title={why}>—</TableCell>
      </>
    );
  }
  return (
    <>
      <TableCell align="right" data-testid="model-score" title={view.kind === "unscored" ? "too little history to score the pools yet" : ""}>
        {view.kind === "scored" ? formatScore(view.score) : "—"}
      </TableCell>
      <TableCell>
        {view.kind === "scored" && view.anomalous ? (
          <Chip size="small" label="anomalous" color="error" data-testid="anomaly-chip" />
        ) : (
          <Chip size="small" label="normal" variant="outlined" />
        )}
      </TableCell>
      <TableCell title={view.reason}>
        <Chip
          size="small"
          label={view.decision}
          color={view.decision === "skip" ? "warning" : "success"}
          variant={view.decision === "skip" ? "filled" : "outlined"}
          data-testid="model-decision"
        />
      </TableCell>
    </>
  );
}
