/** One trade's status history, oldest first (each change with its transaction, if any). */
import { Step, StepContent, StepLabel, Stepper, Typography } from "@mui/material";
import type { Trade } from "@/lib/api/types";
import { nanosToMs, shortAddress } from "@/lib/format";
import { isFailure } from "./model";

export function TradeTimeline({ trade }: { trade: Trade }) {
  const history = trade.history;
  if (history.length === 0) {
    return <Typography color="text.secondary">No status history recorded.</Typography>;
  }
  return (
    <Stepper orientation="vertical" activeStep={history.length} data-testid="trade-timeline">
      {history.map((change, i) => (
        <Step key={`${change.status}-${i}`} completed data-testid="timeline-step">
          <StepLabel error={isFailure(change.status)}>
            {change.status} · {new Date(nanosToMs(change.at_unix_nanos)).toLocaleTimeString()}
            {change.tx_hash ? ` · tx ${shortAddress(change.tx_hash)}` : ""}
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
