/** Trades: history with filters and pagination; one trade's timeline, gas and profit. */
import {
  Box,
  Button,
  Chip,
  Drawer,
  FormControl,
  InputLabel,
  MenuItem,
  Select,
  Stack,
  Table,
  TableBody,
  TableCell,
  TableContainer,
  TableHead,
  TableRow,
  TextField,
  Typography,
} from "@mui/material";
import { useEffect, useState } from "react";
import { useNavigate, useParams } from "react-router";
import { PageHeader } from "@/components/PageHeader";
import { RequestError, TopicUnavailable } from "@/components/RequestError";
import { api } from "@/lib/api/endpoints";
import type { TradeStatus } from "@/lib/api/types";
import { useCan } from "@/lib/auth/AuthProvider";
import { formatUnits, nanosToMs, shortAddress } from "@/lib/format";
import { useRequest } from "@/lib/useRequest";
import { useTopic } from "@/lib/ws/LiveProvider";
import { TradeTimeline } from "./TradeTimeline";

const STATUSES: TradeStatus[] = ["pending", "simulated", "submitted", "included", "succeeded", "reverted", "failed", "dropped"];
const PAGE_SIZE = 50;

/** Traders get trade updates live; a new one reloads the list. */
function LiveTrades({ onUpdate }: { onUpdate: () => void }) {
  const { data, status } = useTopic("trades");
  useEffect(() => {
    if (data.updatedAt !== null) onUpdate();
  }, [data.updatedAt, onUpdate]);
  if (status.availability === "unavailable" || status.availability === "forbidden") {
    return <TopicUnavailable topic="trades" message={status.message} />;
  }
  return null;
}

function TradeDetail({ tradeId, onClose }: { tradeId: string | null; onClose: () => void }) {
  const trade = useRequest(() => api.trade(tradeId ?? ""), [tradeId], { enabled: tradeId !== null });
  return (
    <Drawer anchor="right" open={tradeId !== null} onClose={onClose} sx={{ zIndex: (t) => t.zIndex.modal }} slotProps={{ paper: { sx: { width: { xs: "100%", md: 560 } } } }}>
      <Box sx={{ p: 3 }}>
        <Stack direction="row" justifyContent="space-between">
          <Typography variant="h6">Trade {tradeId}</Typography>
          <Button onClick={onClose}>Close</Button>
        </Stack>
        <RequestError error={trade.error} what="Trade" />
        {trade.data ? (
          <Stack spacing={1} sx={{ mt: 2 }}>
            <Typography variant="body2">Status: {trade.data.status}</Typography>
            <Typography variant="body2" sx={{ wordBreak: "break-all" }}>
              Transaction: {trade.data.tx_hash ?? "not sent"}
            </Typography>
            <Typography variant="body2">Gas used: {trade.data.gas_used?.toLocaleString() ?? "—"}</Typography>
            <Typography variant="body2">
              Profit expected {formatUnits(trade.data.profit_expected)} · realized {formatUnits(trade.data.profit_realized)}
            </Typography>
            <TradeTimeline trade={trade.data} />
          </Stack>
        ) : null}
      </Box>
    </Drawer>
  );
}

export default function TradesPage() {
  const navigate = useNavigate();
  const { tradeId } = useParams();
  const isTrader = useCan("trader");
  const [chainId, setChainId] = useState("");
  const [status, setStatus] = useState<TradeStatus | "">("");
  // page tokens of the pages before this one, for "previous"
  const [tokens, setTokens] = useState<string[]>([""]);
  const pageToken = tokens[tokens.length - 1] ?? "";
  const trades = useRequest(
    () => api.trades({ chain_id: chainId ? Number(chainId) : undefined, status, page_size: PAGE_SIZE, page_token: pageToken }),
    [chainId, status, pageToken],
  );
  const reset = () => setTokens([""]);

  return (
    <>
      <PageHeader title="Trades" subtitle="Every trade the engine sent or simulated, newest first" />
      {isTrader ? <LiveTrades onUpdate={trades.reload} /> : null}
      <Stack direction="row" spacing={2} sx={{ mb: 2 }}>
        <TextField
          size="small"
          label="Chain id"
          value={chainId}
          onChange={(e) => {
            setChainId(e.target.value.replace(/\D/g, ""));
            reset();
          }}
        />
        <FormControl size="small" sx={{ minWidth: 160 }}>
          <InputLabel id="trade-status">Status</InputLabel>
          <Select
            labelId="trade-status"
            label="Status"
            value={status}
            onChange={(e) => {
              setStatus(e.target.value as TradeStatus | "");
              reset();
            }}
          >
            <MenuItem value="">Any</MenuItem>
            {STATUSES.map((s) => (
              <MenuItem key={s} value={s}>
                {s}
              </MenuItem>
            ))}
          </Select>
        </FormControl>
      </Stack>
      <RequestError error={trades.error} what="Trade history" onRetry={trades.reload} />
      {trades.data ? (
        <>
          <TableContainer>
            <Table size="small" aria-label="trades">
              <TableHead>
                <TableRow>
                  <TableCell>Time</TableCell>
                  <TableCell>Chain</TableCell>
                  <TableCell>Status</TableCell>
                  <TableCell>Tx</TableCell>
                  <TableCell align="right">Gas</TableCell>
                  <TableCell align="right">Expected</TableCell>
                  <TableCell align="right">Realized</TableCell>
                </TableRow>
              </TableHead>
              <TableBody>
                {trades.data.trades.map((t) => (
                  <TableRow key={t.id} hover sx={{ cursor: "pointer" }} onClick={() => void navigate(`/trades/${encodeURIComponent(t.id)}`)}>
                    <TableCell>{new Date(nanosToMs(t.created_unix_nanos)).toLocaleString()}</TableCell>
                    <TableCell>{t.chain_id}</TableCell>
                    <TableCell>
                      <Chip size="small" label={t.status} />
                    </TableCell>
                    <TableCell>{shortAddress(t.tx_hash)}</TableCell>
                    <TableCell align="right">{t.gas_used?.toLocaleString() ?? "—"}</TableCell>
                    <TableCell align="right">{formatUnits(t.profit_expected)}</TableCell>
                    <TableCell align="right">{formatUnits(t.profit_realized)}</TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          </TableContainer>
          <Stack direction="row" spacing={1} sx={{ mt: 1 }}>
            <Button disabled={tokens.length <= 1} onClick={() => setTokens(tokens.slice(0, -1))}>
              Previous
            </Button>
            <Button disabled={!trades.data.next_page_token} onClick={() => setTokens([...tokens, trades.data?.next_page_token ?? ""])}>
              Next
            </Button>
          </Stack>
        </>
      ) : null}
      <TradeDetail tradeId={tradeId ? decodeURIComponent(tradeId) : null} onClose={() => void navigate("/trades")} />
    </>
  );
}
