/** Predictions: one card per pair with the model's predicted move, direction, confidence, pattern, anomaly. */
import { Card, CardContent, Chip, Grid, LinearProgress, Stack, Typography } from "@mui/material";
import { PageHeader } from "@/components/PageHeader";
import { RequestError } from "@/components/RequestError";
import { api } from "@/lib/api/endpoints";
import type { Prediction } from "@/lib/api/types";
import { formatPercent } from "@/lib/format";
import { useRequest } from "@/lib/useRequest";

function PredictionCard({ prediction }: { prediction: Prediction }) {
  const color = prediction.direction === "up" ? "success" : prediction.direction === "down" ? "error" : "default";
  return (
    <Card variant="outlined" data-testid="prediction-card">
      <CardContent>
        <Stack direction="row" justifyContent="space-between" alignItems="center">
          <Typography variant="subtitle1">{prediction.pair}</Typography>
          <Chip size="small" label={prediction.direction} color={color} />
        </Stack>
        <Typography variant="body2" color="text.secondary">
          chain {prediction.chain_id} · model {prediction.model_version}
        </Typography>
        <Typography variant="h6" sx={{ mt: 1 }}>
          {formatPercent(prediction.predicted_move, 3)}
        </Typography>
        <Typography variant="caption">confidence {formatPercent(prediction.confidence)}</Typography>
        <LinearProgress variant="determinate" value={Math.round(prediction.confidence * 100)} sx={{ my: 1 }} />
        <Stack direction="row" spacing={1}>
          {prediction.pattern ? <Chip size="small" variant="outlined" label={`pattern: ${prediction.pattern}`} /> : null}
          {prediction.anomaly ? <Chip size="small" color="warning" label="anomaly" /> : null}
        </Stack>
      </CardContent>
    </Card>
  );
}

export default function PredictionsPage() {
  const predictions = useRequest(() => api.predictions(), [], { pollMs: 15_000 });
  return (
    <>
      <PageHeader title="Predictions" subtitle="The models' view per pair: predicted move, direction, confidence, anomalies" />
      <RequestError error={predictions.error} what="Predictions" onRetry={predictions.reload} />
      <Grid container spacing={2}>
        {(predictions.data ?? []).map((p) => (
          <Grid size={{ xs: 12, sm: 6, lg: 4 }} key={`${p.chain_id}:${p.pair}`}>
            <PredictionCard prediction={p} />
          </Grid>
        ))}
      </Grid>
    </>
  );
}
