/** Trading mode (observe / dry-run / live), the kill switch and the risk limits. */
import { Alert, Box, Button, Card, CardContent, FormControlLabel, MenuItem, Select, Stack, Switch, TextField, Typography } from "@mui/material";
import { useEffect, useState } from "react";
import { RequestError } from "@/components/RequestError";
import { api } from "@/lib/api/endpoints";
import { ApiError, isApiError } from "@/lib/api/errors";
import type { Mode, RiskLimits } from "@/lib/api/types";
import { useRequest } from "@/lib/useRequest";

const MODES: { value: Mode["mode"]; label: string }[] = [
  { value: "observe", label: "Observe (report only)" },
  { value: "dry_run", label: "Dry run (simulate, never send)" },
  { value: "live", label: "Live (send transactions)" },
];

function useAction() {
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const run = async (action: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await action();
      return true;
    } catch (caught) {
      setError(isApiError(caught) ? caught : new ApiError("server", 0, String(caught)));
      return false;
    } finally {
      setBusy(false);
    }
  };
  return { error, busy, run };
}

export function ModePanel() {
  const mode = useRequest(() => api.mode(), []);
  const limits = useRequest(() => api.riskLimits(), []);
  const status = useRequest(() => api.status(), []);
  const action = useAction();
  const [draft, setDraft] = useState<RiskLimits>({});
  useEffect(() => setDraft(limits.data ?? {}), [limits.data]);

  const current = mode.data;
  return (
    <Stack spacing={2}>
      <Card variant="outlined">
        <CardContent>
          <Typography variant="subtitle1" gutterBottom>
            Mode and kill switch
          </Typography>
          {status.data ? (
            <Typography variant="body2" color="text.secondary" gutterBottom>
              The engine reports mode “{status.data.mode}”.
            </Typography>
          ) : null}
          <RequestError error={mode.error} what="Mode" />
          <Stack direction="row" spacing={2} alignItems="center" sx={{ mt: 1 }}>
            <Select
              size="small"
              value={current?.mode ?? ""}
              displayEmpty
              disabled={!current || action.busy}
              onChange={(e) => void action.run(() => api.setMode({ mode: e.target.value as Mode["mode"] })).then((ok) => ok && mode.reload())}
              sx={{ minWidth: 260 }}
              aria-label="mode"
            >
              <MenuItem value="" disabled>
                mode
              </MenuItem>
              {MODES.map((m) => (
                <MenuItem key={m.value} value={m.value}>
                  {m.label}
                </MenuItem>
              ))}
            </Select>
            <FormControlLabel
              control={
                <Switch
                  color="error"
                  checked={current?.kill_switch ?? false}
                  disabled={!current || action.busy}
                  onChange={(e) =>
                    void action.run(() => api.setMode({ kill_switch: e.target.checked })).then((ok) => ok && mode.reload())
                  }
                />
              }
              label="Kill switch (stop sending at once)"
            />
          </Stack>
          {current?.kill_switch ? (
            <Alert severity="error" sx={{ mt: 2 }}>
              Kill switch engaged: the engine sends no transaction.
            </Alert>
          ) : null}
        </CardContent>
      </Card>
      <Card variant="outlined">
        <CardContent>
          <Typography variant="subtitle1" gutterBottom>
            Risk limits
          </Typography>
          <RequestError error={limits.error} what="Risk limits" />
          {limits.data ? (
            <Box component="form" onSubmit={(e) => {
              e.preventDefault();
              void action.run(() => api.setRiskLimits(draft)).then((ok) => ok && limits.reload());
            }}>
              <Stack spacing={1.5} sx={{ maxWidth: 480 }}>
                {Object.entries(draft).map(([name, value]) =>
                  typeof value === "boolean" ? (
                    <FormControlLabel
                      key={name}
                      control={<Switch checked={value} onChange={(e) => setDraft({ ...draft, [name]: e.target.checked })} />}
                      label={name}
                    />
                  ) : (
                    <TextField
                      key={name}
                      size="small"
                      label={name}
                      value={String(value)}
                      onChange={(e) => setDraft({ ...draft, [name]: typeof value === "number" ? Number(e.target.value) : e.target.value })}
                    />
                  ),
                )}
                <Button type="submit" variant="contained" disabled={action.busy}>
                  Save risk limits
                </Button>
              </Stack>
            </Box>
          ) : null}
        </CardContent>
      </Card>
      <RequestError error={action.error} what="Change" />
    </Stack>
  );
}
