/**
 * Markets: pools and prices per chain (live), a pool's price chart, price gaps between
 * DEXes, and the reference prices of the chains' price-feed oracles with each pool's
 * deviation from them.
 */
import {
  Card,
  CardContent,
  Chip,
  FormControl,
  Grid,
  InputLabel,
  MenuItem,
  Select,
  Table,
  TableBody,
  TableCell,
  TableContainer,
  TableHead,
  TableRow,
  Typography,
} from "@mui/material";
import { useMemo, useState } from "react";
import { PageHeader } from "@/components/PageHeader";
import { RequestError, TopicUnavailable } from "@/components/RequestError";
import { api } from "@/lib/api/endpoints";
import { ago, formatPercent, formatPrice, shortAddress } from "@/lib/format";
import { useRequest } from "@/lib/useRequest";
import { useTopic } from "@/lib/ws/LiveProvider";
import { poolKey } from "@/lib/ws/topics";
import { useCatalog } from "@/hooks/useCatalog";
import { priceGaps } from "./gaps";
import { formatUsd, offOraclePools, referencePrices } from "./oracle";
import { PriceChart } from "./PriceChart";

export default function MarketsPage() {
  const pools = useRequest(() => api.pools(), [], { pollMs: 30_000 });
  const tokens = useRequest(() => api.tokens(), [], { pollMs: 30_000 });
  const prices = useTopic("prices");
  const catalog = useCatalog();
  const [chain, setChain] = useState<number | "all">("all");
  const [selected, setSelected] = useState<string | null>(null);

  const chains = useMemo(() => [...new Set((pools.data ?? []).map((p) => p.chain_id))].sort((a, b) => a - b), [pools.data]);
  const shown = useMemo(() => (pools.data ?? []).filter((p) => chain === "all" || p.chain_id === chain), [pools.data, chain]);
  const priceOf = (chainId: number, address: string, fallback: number) =>
    prices.data.latest.get(poolKey(chainId, address))?.price ?? fallback;
  const gaps = useMemo(
    () => priceGaps(shown, (p) => prices.data.latest.get(poolKey(p.chain_id, p.address))?.price ?? p.price),
    [shown, prices.data],
  );
  const references = useMemo(() => referencePrices((tokens.data ?? []).filter((t) => chain === "all" || t.chain_id === chain)), [tokens.data, chain]);
  const offOracle = useMemo(() => offOraclePools(shown), [shown]);
  const pair = (chainId: number, a: string, b: string) => `${catalog.symbol(chainId, a)}/${catalog.symbol(chainId, b)}`;
  const selectedPool = shown.find((p) => poolKey(p.chain_id, p.address) === selected) ?? shown[0];
  const selectedKey = selectedPool ? poolKey(selectedPool.chain_id, selectedPool.address) : null;

  return (
    <>
      <PageHeader
        title="Markets"
        subtitle={`${shown.length} pools · prices ${prices.status.availability === "ok" ? "live" : prices.status.availability}`}
        actions={
          <FormControl size="small" sx={{ minWidth: 140 }}>
            <InputLabel id="market-chain">Chain</InputLabel>
            <Select labelId="market-chain" label="Chain" value={String(chain)} onChange={(e) => setChain(e.target.value === "all" ? "all" : Number(e.target.value))}>
              <MenuItem value="all">All chains</MenuItem>
              {chains.map((c) => (
                <MenuItem key={c} value={String(c)}>
                  {c}
                </MenuItem>
              ))}
            </Select>
          </FormControl>
        }
      />
      <RequestError error={pools.error} what="Pools" onRetry={pools.reload} />
      {prices.status.availability === "unavailable" ? <TopicUnavailable topic="prices" message={prices.status.message} /> : null}
      <Grid container spacing={2}>
        <Grid size={{ xs: 12, lg: 7 }}>
          <Card variant="outlined">
            <CardContent>
              <Typography variant="subtitle1">Pools</Typography>
              <TableContainer sx={{ maxHeight: 520 }}>
                <Table size="small" stickyHeader aria-label="pools" data-testid="pool-table">
                  <TableHead>
                    <TableRow>
                      <TableCell>Chain</TableCell>
                      <TableCell>Pair</TableCell>
                      <TableCell>DEX</TableCell>
                      <TableCell align="right">Fee</TableCell>
                      <TableCell align="right">Price</TableCell>
                      <TableCell align="right" title="deviation of the pool's price from the oracles' (at the last refresh)">
                        vs oracle
                      </TableCell>
                      <TableCell align="right">Block</TableCell>
                      <TableCell>Pool</TableCell>
                    </TableRow>
                  </TableHead>
                  <TableBody>
                    {shown.map((p) => {
                      const key = poolKey(p.chain_id, p.address);
                      const live = prices.data.latest.get(key);
                      return (
                        <TableRow key={key} hover selected={key === selectedKey} onClick={() => setSelected(key)} sx={{ cursor: "pointer" }}>
                          <TableCell>{p.chain_id}</TableCell>
                          <TableCell>{pair(p.chain_id, p.token0, p.token1)}</TableCell>
                          <TableCell>
                            {p.dex} {p.kind}
                          </TableCell>
                          <TableCell align="right">{(p.fee_pips / 10_000).toFixed(2)} %</TableCell>
                          <TableCell align="right">{formatPrice(priceOf(p.chain_id, p.address, p.price))}</TableCell>
                          <TableCell align="right" data-testid="oracle-deviation">
                            {p.oracle_deviation === null ? "—" : formatPercent(p.oracle_deviation, 2)}
                            {p.off_oracle ? <Chip size="small" color="error" label="off oracle" data-testid="off-oracle" sx={{ ml: 1 }} /> : null}
                          </TableCell>
                          <TableCell align="right">{live?.block_number ?? p.updated_block}</TableCell>
                          <TableCell title={p.address}>{shortAddress(p.address)}</TableCell>
                        </TableRow>
                      );
                    })}
                  </TableBody>
                </Table>
              </TableContainer>
            </CardContent>
          </Card>
        </Grid>
        <Grid size={{ xs: 12, lg: 5 }}>
          <Card variant="outlined" sx={{ mb: 2 }}>
            <CardContent>
              <Typography variant="subtitle1">
                {selectedPool
                  ? `${pair(selectedPool.chain_id, selectedPool.token0, selectedPool.token1)} on ${selectedPool.dex} ${selectedPool.kind}`
                  : "Price"}
              </Typography>
              <Typography variant="caption" color="text.secondary">
                token1 per token0, as the engine publishes it; points since this page opened
              </Typography>
              {selectedPool && selectedKey ? (
                <PriceChart points={prices.data.history.get(selectedKey) ?? []} label={pair(selectedPool.chain_id, selectedPool.token0, selectedPool.token1)} />
              ) : null}
            </CardContent>
          </Card>
          <Card variant="outlined">
            <CardContent>
              <Typography variant="subtitle1">Price gaps between DEXes</Typography>
              {gaps.length === 0 ? (
                <Typography color="text.secondary">No pair is priced by two pools here.</Typography>
              ) : (
                <Table size="small" aria-label="price gaps" data-testid="gap-table">
                  <TableHead>
                    <TableRow>
                      <TableCell>Pair</TableCell>
                      <TableCell>Low</TableCell>
                      <TableCell>High</TableCell>
                      <TableCell align="right">Gap</TableCell>
                    </TableRow>
                  </TableHead>
                  <TableBody>
                    {gaps.map((g) => (
                      <TableRow key={`${g.chainId}:${g.token0}:${g.token1}`}>
                        <TableCell>{pair(g.chainId, g.token0, g.token1)}</TableCell>
                        <TableCell>
                          {g.low.dex} {formatPrice(g.low.price)}
                        </TableCell>
                        <TableCell>
                          {g.high.dex} {formatPrice(g.high.price)}
                        </TableCell>
                        <TableCell align="right">{formatPercent(g.gap, 3)}</TableCell>
                      </TableRow>
                    ))}
                  </TableBody>
                </Table>
              )}
            </CardContent>
          </Card>
          <Card variant="outlined" sx={{ mt: 2 }}>
            <CardContent>
              <Typography variant="subtitle1">Reference prices</Typography>
              <Typography variant="caption" color="text.secondary">
                USD per token from the chains' price-feed oracles (Chainlink); pools off oracle: {offOracle.length}
              </Typography>
              <RequestError error={tokens.error} what="Tokens" onRetry={tokens.reload} />
              {references.length === 0 ? (
                <Typography color="text.secondary" data-testid="no-reference-prices">
                  No price feed answers here: the engine has no price feeds configured for these chains (or has not read them yet).
                </Typography>
              ) : (
                <Table size="small" aria-label="reference prices" data-testid="reference-price-table">
                  <TableHead>
                    <TableRow>
                      <TableCell>Token</TableCell>
                      <TableCell align="right">USD</TableCell>
                      <TableCell>Feed</TableCell>
                      <TableCell align="right">Updated</TableCell>
                    </TableRow>
                  </TableHead>
                  <TableBody>
                    {references.map((r) => (
                      <TableRow key={`${r.chainId}:${r.address}`} data-testid="reference-price">
                        <TableCell>
                          {r.symbol} <Typography component="span" variant="caption" color="text.secondary">{r.chainId}</Typography>
                        </TableCell>
                        <TableCell align="right">{formatUsd(r.usd)}</TableCell>
                        <TableCell title={r.feed}>{shortAddress(r.feed)}</TableCell>
                        <TableCell align="right" title={new Date(r.updatedMs).toISOString()}>
                          {ago(r.updatedMs)}
                        </TableCell>
                      </TableRow>
                    ))}
                  </TableBody>
                </Table>
              )}
            </CardContent>
          </Card>
        </Grid>
      </Grid>
    </>
  );
}
