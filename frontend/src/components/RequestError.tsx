/** How a failed REST call shows in a view: "not available yet" is information, not an error. */
import { Alert, Button, Typography } from "@mui/material";
import type { ApiError } from "@/lib/api/errors";

export function RequestError({ error, what, onRetry }: { error: ApiError | null; what: string; onRetry?: () => void }) {
  if (error === null) return null;
  if (error.kind === "not_available") {
    return (
      <Alert severity="info" data-testid="not-available">
        {what}: not available yet — {error.message}
      </Alert>
    );
  }
  const severity =
    error.kind === "engine_unavailable" || error.kind === "gateway_unreachable" || error.kind === "conflict" ? "warning" : "error";
  return (
    <Alert
      severity={severity}
      data-testid="request-error"
      data-kind={error.kind}
      action={
        onRetry ? (
          <Button color="inherit" size="small" onClick={onRetry}>
            Retry
          </Button>
        ) : undefined
      }
    >
      {what}: {error.message}
    </Alert>
  );
}

/** A topic the gateway has no upstream for yet (its subscribe answered not_implemented). */
export function TopicUnavailable({ topic, message }: { topic: string; message: string | null }) {
  return (
    <Alert severity="info" data-testid="not-available">
      Live {topic}: not available yet — {message ?? "the gateway has no stream for it"}
    </Alert>
  );
}

/** The engine refuses a topic's stream (its `upstream_refused`): the gateway keeps retrying. */
export function TopicRefused({ summary, message }: { summary: string; message: string | null }) {
  return (
    <Alert severity="warning" data-testid="topic-refused">
      {summary}
      {message ? (
        <>
          {" "}
          <Typography component="span" variant="body2" color="text.secondary">
            ({message})
          </Typography>
        </>
      ) : null}
    </Alert>
  );
}
