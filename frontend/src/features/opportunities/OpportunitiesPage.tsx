/** Live opportunities: the streamed table with sorting, filters (incl. the models' anomaly flag) and a per-hop detail. */
import { Box, Chip, FormControl, FormControlLabel, InputLabel, MenuItem, Select, Stack, Switch, TextField, Typography } from "@mui/material";
import { useEffect, useMemo, useRef, useState } from "react";
import { useNavigate, useParams } from "react-router";
import { PageHeader } from "@/components/PageHeader";
import { TopicUnavailable } from "@/components/RequestError";
import type { Opportunity } from "@/lib/api/types";
import { ago } from "@/lib/format";
import { useCatalog } from "@/hooks/useCatalog";
import { filterOpportunities, NO_FILTER, type OpportunityFilter, type SortDirection, type SortKey, sortOpportunities } from "./model";
import { OpportunityDetail } from "./OpportunityDetail";
import { OpportunityTable } from "./OpportunityTable";
import { useLiveOpportunities } from "./useLiveOpportunities";

export default function OpportunitiesPage() {
  const { all, chains, updatedAt, dropped, status } = useLiveOpportunities();
  const catalog = useCatalog();
  const navigate = useNavigate();
  const { opportunityId } = useParams();
  const [sortKey, setSortKey] = useState<SortKey>("profit_net");
  const [direction, setDirection] = useState<SortDirection>("desc");
  const [filter, setFilter] = useState<OpportunityFilter>(NO_FILTER);
  // the detail keeps the last copy seen, so it stays readable after the engine drops it
  const lastSeen = useRef(new Map<string, Opportunity>());

  const rows = useMemo(
    () => sortOpportunities(filterOpportunities(all, filter, catalog.symbol), sortKey, direction),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [all, filter, sortKey, direction, catalog.tokens],
  );
  useEffect(() => {
    for (const o of all) lastSeen.current.set(o.id, o);
    if (all.length > 0) performance.mark("arbx:opportunities-data");
  }, [all]);

  const selectedId = opportunityId ? decodeURIComponent(opportunityId) : null;
  const currentSelected = selectedId ? all.find((o) => o.id === selectedId) : undefined;
  const selected = currentSelected ?? (selectedId ? (lastSeen.current.get(selectedId) ?? null) : null);

  const onSort = (key: SortKey) => {
    if (key === sortKey) setDirection(direction === "asc" ? "desc" : "asc");
    else {
      setSortKey(key);
      setDirection("desc");
    }
  };

  return (
    <>
      <PageHeader
        title="Live opportunities"
        subtitle={
          <span data-testid="opportunities-summary">
            {all.length} current on {chains.length} chain{chains.length === 1 ? "" : "s"} · updated {ago(updatedAt)} · seq {status.seq}
            {dropped > 0 ? ` · ${dropped} batches conflated` : ""}
          </span>
        }
      />
      {status.availability === "unavailable" || status.availability === "forbidden" ? (
        <TopicUnavailable topic="opportunities" message={status.message} />
      ) : null}
      <Stack direction="row" spacing={2} sx={{ mb: 2, flexWrap: "wrap" }} alignItems="center">
        <FormControl size="small" sx={{ minWidth: 140 }}>
          <InputLabel id="chain-filter">Chain</InputLabel>
          <Select
            labelId="chain-filter"
            label="Chain"
            value={filter.chainId === null ? "" : String(filter.chainId)}
            onChange={(e) => setFilter({ ...filter, chainId: e.target.value === "" ? null : Number(e.target.value) })}
          >
            <MenuItem value="">All chains</MenuItem>
            {chains.map((c) => (
              <MenuItem key={c} value={String(c)}>
                {c}
              </MenuItem>
            ))}
          </Select>
        </FormControl>
        <TextField
          size="small"
          label="Token or pool"
          value={filter.text}
          onChange={(e) => setFilter({ ...filter, text: e.target.value })}
          slotProps={{ htmlInput: { "aria-label": "filter by token or pool" } }}
        />
        <FormControlLabel
          control={<Switch checked={filter.profitableOnly} onChange={(e) => setFilter({ ...filter, profitableOnly: e.target.checked })} />}
          label="Net profit > 0 only"
        />
        <FormControlLabel
          control={<Switch checked={filter.hideAnomalous} onChange={(e) => setFilter({ ...filter, hideAnomalous: e.target.checked })} />}
          label="Hide anomalous"
        />
        <Chip label={`${rows.length} shown`} size="small" />
      </Stack>
      {all.length === 0 && status.availability !== "unavailable" ? (
        <Box sx={{ py: 4, textAlign: "center" }}>
          <Typography color="text.secondary" data-testid="opportunities-empty">
            {status.availability === "waiting" ? "Waiting for the stream…" : "No opportunity right now: the engine reports none."}
          </Typography>
        </Box>
      ) : (
        <OpportunityTable
          rows={rows}
          sortKey={sortKey}
          direction={direction}
          onSort={onSort}
          onSelect={(o) => void navigate(`/opportunities/${encodeURIComponent(o.id)}`)}
        />
      )}
      <OpportunityDetail opportunity={selected} current={currentSelected !== undefined} onClose={() => void navigate("/opportunities")} />
    </>
  );
}
