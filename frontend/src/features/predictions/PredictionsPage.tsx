/**
 * Predictions: one card per pool with the served models' view at the latest block they
 * observed: predicted move (lstm_return), direction P(up), the most likely pattern
 * (cnn_pattern), the anomaly flag (iforest_pool) and each model's registry version.
 * An engine running without models answers 409: its reason is shown verbatim.
 */
import { Alert, Card, CardContent, Chip, Grid, LinearProgress, Stack, Typography } from "@mui/material";
import { PageHeader } from "@/components/PageHeader";
import { RequestError } from "@/components/RequestError";
import { api } from "@/lib/api/endpoints";
import type { PoolPrediction, Predictions } from "@/lib/api/types";
import { formatPercent, shortAddress } from "@/lib/format";
import { useRequest } from "@/lib/useRequest";

/** Every pool the engine knows, asked chain by chain. */
async function loadPredictions(signal: AbortSignal): Promise<Predictions[]> {
  const pools = await api.pools(0);
  const byChain = new Map<number, string[]>();
  for (const pool of pools) {
    const addresses = byChain.get(pool.chain_id) ?? [];
    addresses.push(pool.address);
    byChain.set(pool.chain_id, addresses);
  }
  const chains = [...byChain.keys()].sort((a, b) => a - b);
  return Promise.all(chains.map((chainId) => api.predictions(chainId, byChain.get(chainId) ?? [], signal)));
}

function direction(pUp: number | null): { label: string; color: "success" | "error" | "default" } {
  if (pUp === null) return { label: "—", color: "default" };
  if (pUp > 0.5) return { label: "up", color: "success" };
  if (pUp < 0.5) return { label: "down", color: "error" };
  return { label: "flat", color: "default" };
}

function PredictionCard({ prediction }: { prediction: PoolPrediction }) {
  const dir = direction(prediction.p_up);
  const versions = Object.entries(prediction.model_versions).sort(([a], [b]) => a.localeCompare(b));
  return (
    <Card variant="outlined" data-testid="prediction-card" data-pool={prediction.pool}>
      <CardContent>
        <Stack direction="row" justifyContent="space-between" alignItems="center">
          <Typography variant="subtitle1" title={prediction.pool}>
            {shortAddress(prediction.pool)}
          </Typography>
          {prediction.ready ? (
            <Chip size="small" label={dir.label} color={dir.color} data-testid="prediction-direction" />
          ) : (
            <Chip size="small" variant="outlined" label="warming up" data-testid="prediction-warming" />
          )}
        </Stack>
        <Typography variant="body2" color="text.secondary">
          chain {prediction.chain_id} · block {prediction.block_number}
        </Typography>
        {prediction.ready ? (
          <>
            <Typography variant="h6" sx={{ mt: 1 }} data-testid="prediction-move">
              {prediction.log_return === null ? "—" : formatPercent(Math.expm1(prediction.log_return), 3)}
            </Typography>
            <Typography variant="caption" data-testid="prediction-p-up">
              P(up) {formatPercent(prediction.p_up)}
            </Typography>
            <LinearProgress variant="determinate" value={Math.round((prediction.p_up ?? 0) * 100)} sx={{ my: 1 }} />
            <Stack direction="row" spacing={1} useFlexGap flexWrap="wrap">
              {prediction.pattern ? (
                <Chip
                  size="small"
                  variant="outlined"
                  data-testid="prediction-pattern"
                  label={`pattern: ${prediction.pattern} (${formatPercent(prediction.pattern_probs[prediction.pattern] ?? null)})`}
                />
              ) : null}
              {prediction.anomalous ? (
                <Chip size="small" color="warning" label="anomaly" data-testid="prediction-anomaly" />
              ) : (
                <Chip size="small" variant="outlined" label="normal" />
              )}
            </Stack>
          </>
        ) : (
          <Typography variant="body2" sx={{ mt: 1 }}>
            Too little history yet for the models.
          </Typography>
        )}
        {versions.length > 0 ? (
          <Typography variant="caption" color="text.secondary" component="div" sx={{ mt: 1 }} data-testid="prediction-versions">
            {versions.map(([model, version]) => `${model} ${version}`).join(" · ")}
          </Typography>
        ) : null}
      </CardContent>
    </Card>
  );
}

export default function PredictionsPage() {
  const predictions = useRequest((signal) => loadPredictions(signal), [], { pollMs: 15_000 });
  const error = predictions.error;
  const cards = (predictions.data ?? []).flatMap((chain) => chain.predictions);
  return (
    <>
      <PageHeader title="Predictions" subtitle="The models' view per pool: predicted move, direction, pattern, anomalies" />
      {error !== null && error.kind === "conflict" ? (
        <Alert severity="info" data-testid="predictions-off">
          Predictions are off: {error.message}
        </Alert>
      ) : (
        <RequestError error={error} what="Predictions" onRetry={predictions.reload} />
      )}
      {predictions.data !== undefined && cards.length === 0 && error === null ? (
        <Typography color="text.secondary">No pools yet.</Typography>
      ) : null}
      <Grid container spacing={2}>
        {cards.map((p) => (
          <Grid size={{ xs: 12, sm: 6, lg: 4 }} key={`${p.chain_id}:${p.pool}`}>
            <PredictionCard prediction={p} />
          </Grid>
        ))}
      </Grid>
    </>
  );
}
