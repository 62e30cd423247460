/** One trade's status history, oldest first. */
import { Step, StepContent, StepLabel, Stepper, Typography } from "@mui/material";
import type { Trade } from "@/lib/api/types";
import { nanosToMs } from "@/lib/format";

const FAILED = new Set(["reverted", "failed", "dropped"]);

export function TradeTimeline({ trade }: { trade: Trade }) {
  const history = trade.history ?? [];
  if (history.length === 0) {
    return <Typography color="text.secondary">No status history recorded.</Typography>;
  }
  return (
    <Stepper orientation="vertical" activeStep={history.length} data-testid="trade-timeline">
      {history.map((change, i) => (
        <Step key={`${change.status}-${i}`} completed>
          <StepLabel error={FAILED.has(change.status)}>
            {change.status} · {new Date(nanosToMs(change.at_unix_nanos)).toLocaleTimeString()}
          </StepLabel>
          {change.detail ? (
            <StepContent TransitionProps={{ in: true }}>
              <Typography variant="body2">{change.detail}</Typography>
            </StepContent>
          ) : null}
        </Step>
      ))}
    </Stepper>
  );
}
