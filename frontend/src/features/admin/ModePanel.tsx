/**
 * Execution mode (observe / dry run / live), the kill switch and the risk limits.
 * Reading is GET /mode and GET /risk-limits; changing is PUT (admin, audited). The
 * kill switch is one of the risk limits. An engine without execution answers 409
 * with its reason, shown as it is.
 */
import {
  Alert,
  Box,
  Button,
  Card,
  CardContent,
  FormControlLabel,
  MenuItem,
  Select,
  Stack,
  Switch,
  TextField,
  Typography,
} from "@mui/material";
import { type FormEvent, useEffect, useState } from "react";
import { RequestError } from "@/components/RequestError";
import { api } from "@/lib/api/endpoints";
import { ApiError, isApiError } from "@/lib/api/errors";
import type { ExecutionMode, ModeChanged, RiskLimits, RiskLimitsUpdate } from "@/lib/api/types";
import { formatUnits } from "@/lib/format";
import { useRequest } from "@/lib/useRequest";

const MODES: { value: ExecutionMode; label: string }[] = [
  { value: "observe", label: "Observe (report only)" },
  { value: "dry_run", label: "Dry run (simulate and record, never send)" },
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

/** The form's text for each limit ("" = not set). */
interface Draft {
  max_in_flight: string;
  min_profit_net: string;
  daily_loss_limit_wei: string;
  pool_cooldown_blocks: string;
  exclusive_pools: boolean;
  /** One cap a line: "<token address or symbol> = <largest amount_in>". */
  max_amount_in: string;
}

const text = (value: number | string | null): string => (value === null ? "" : String(value));

function draftOf(limits: RiskLimits): Draft {
  return {
    max_in_flight: text(limits.max_in_flight),
    min_profit_net: text(limits.min_profit_net),
    daily_loss_limit_wei: text(limits.daily_loss_limit_wei),
    pool_cooldown_blocks: text(limits.pool_cooldown_blocks),
    exclusive_pools: limits.exclusive_pools ?? false,
    max_amount_in: Object.entries(limits.max_amount_in)
      .map(([token, amount]) => `${token} = ${amount}`)
      .join("\n"),
  };
}

function parseCaps(value: string): Record<string, string> | string {
  const caps: Record<string, string> = {};
  for (const [i, line] of value.split("\n").entries()) {
    if (!line.trim()) continue;
    const match = /^\s*([^=\s]+)\s*=\s*([0-9]+)\s*$/.exec(line);
    if (match === null) return `line ${i + 1}: write "<token> = <amount>"`;
    caps[match[1] ?? ""] = match[2] ?? "";
  }
  return caps;
}

/** The fields that differ from the limits in force (only those are sent). */
export function changesOf(limits: RiskLimits, draft: Draft): RiskLimitsUpdate | string {
  const before = draftOf(limits);
  const update: RiskLimitsUpdate = {};
  const integer = (name: "max_in_flight" | "pool_cooldown_blocks") => {
    if (draft[name] === before[name]) return null;
    if (!/^[0-9]+$/.test(draft[name])) return `${name}: a whole number`;
    update[name] = Number(draft[name]);
    return null;
  };
  const problem = integer("max_in_flight") ?? integer("pool_cooldown_blocks");
  if (problem) return problem;
  if (draft.min_profit_net !== before.min_profit_net) {
    if (!/^-?[0-9]{1,77}$/.test(draft.min_profit_net)) return "min_profit_net: an integer (start token units)";
    update.min_profit_net = draft.min_profit_net;
  }
  if (draft.daily_loss_limit_wei !== before.daily_loss_limit_wei) {
    if (!/^[0-9]{1,78}$/.test(draft.daily_loss_limit_wei)) return "daily_loss_limit_wei: a whole number of wei";
    update.daily_loss_limit_wei = draft.daily_loss_limit_wei;
  }
  if (draft.exclusive_pools !== before.exclusive_pools) update.exclusive_pools = draft.exclusive_pools;
  if (draft.max_amount_in !== before.max_amount_in) {
    const caps = parseCaps(draft.max_amount_in);
    if (typeof caps === "string") return `max_amount_in: ${caps}`;
    update.max_amount_in = caps;
  }
  return update;
}

export function ModePanel() {
  const mode = useRequest(() => api.mode(), []);
  const risk = useRequest(() => api.riskLimits(), []);
  const action = useAction();
  const [changed, setChanged] = useState<ModeChanged | null>(null);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  useEffect(() => setDraft(risk.data ? draftOf(risk.data.limits) : null), [risk.data]);

  const limits = risk.data?.limits;
  const killSwitch = limits?.kill_switch === true;
  const setMode = (value: ExecutionMode) =>
    void action
      .run(async () => setChanged(await api.setMode({ mode: value })))
      .then((ok) => {
        if (ok) {
          mode.reload();
          risk.reload();
        }
      });
  const setKillSwitch = (on: boolean) =>
    void action.run(() => api.setRiskLimits({ kill_switch: on })).then((ok) => ok && risk.reload());
  const save = (event: FormEvent) => {
    event.preventDefault();
    if (!limits || !draft) return;
    setSaved(false);
    const update = changesOf(limits, draft);
    if (typeof update === "string") {
      setProblem(update);
      return;
    }
    setProblem(null);
    void action.run(() => api.setRiskLimits(update)).then((ok) => {
      if (ok) {
        setSaved(true);
        risk.reload();
      }
    });
  };
  const field = (name: "max_in_flight" | "min_profit_net" | "daily_loss_limit_wei" | "pool_cooldown_blocks", label: string, hint: string) => (
    <TextField
      size="small"
      label={label}
      helperText={hint}
      value={draft?.[name] ?? ""}
      error={action.error?.fieldErrors.some((f) => f.loc[1] === name) ?? false}
      onChange={(e) => draft && setDraft({ ...draft, [name]: e.target.value.trim() })}
      slotProps={{ htmlInput: { "data-testid": `limit-${name}` } }}
    />
  );

  return (
    <Stack spacing={2}>
      <Card variant="outlined">
        <CardContent>
          <Typography variant="subtitle1" gutterBottom>
            Execution mode
          </Typography>
          <RequestError error={mode.error} what="Mode" onRetry={mode.reload} />
          <Select
            size="small"
            value={mode.data?.mode ?? ""}
            displayEmpty
            disabled={!mode.data || action.busy}
            onChange={(e) => setMode(e.target.value as ExecutionMode)}
            sx={{ minWidth: 320, mt: 1 }}
            aria-label="mode"
            data-testid="mode-select"
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
          {changed ? (
            <Alert severity="success" sx={{ mt: 2 }} data-testid="mode-changed">
              Mode changed from {changed.previous} to {changed.mode}.
            </Alert>
          ) : null}
        </CardContent>
      </Card>
      <Card variant="outlined">
        <CardContent>
          <Typography variant="subtitle1" gutterBottom>
            Kill switch
          </Typography>
          <RequestError error={risk.error} what="Risk limits" onRetry={risk.reload} />
          <FormControlLabel
            control={
              <Switch
                color="error"
                checked={killSwitch}
                disabled={!limits || action.busy}
                onChange={(e) => setKillSwitch(e.target.checked)}
                slotProps={{ input: { "aria-label": "kill switch" } }}
              />
            }
            label="Kill switch (the engine starts no trade)"
          />
          {killSwitch ? (
            <Alert severity="error" sx={{ mt: 2 }} data-testid="kill-switch-on">
              Kill switch engaged: the engine starts no trade (executing answers 409).
            </Alert>
          ) : null}
        </CardContent>
      </Card>
      <Card variant="outlined">
        <CardContent>
          <Typography variant="subtitle1" gutterBottom>
            Risk limits
          </Typography>
          {risk.data ? (
            <Typography variant="body2" color="text.secondary" gutterBottom data-testid="risk-state">
              Mode {risk.data.mode} · {risk.data.in_flight} trade{risk.data.in_flight === 1 ? "" : "s"} in flight · lost today{" "}
              {formatUnits(risk.data.loss_today_wei, 18, 9)} (native token) in gas of reverted trades
            </Typography>
          ) : null}
          {draft && limits ? (
            <Box component="form" onSubmit={save}>
              <Stack spacing={1.5} sx={{ maxWidth: 560 }}>
                {field("max_in_flight", "Max trades in flight", "trades sent and not yet final")}
                {field("min_profit_net", "Min net profit", "start token units (raw), after gas")}
                {field("daily_loss_limit_wei", "Daily loss limit (wei)", "gas of reverted trades per UTC day")}
                {field("pool_cooldown_blocks", "Pool cooldown (blocks)", "after a trade through a pool")}
                <FormControlLabel
                  control={<Switch checked={draft.exclusive_pools} onChange={(e) => setDraft({ ...draft, exclusive_pools: e.target.checked })} />}
                  label="Exclusive pools (no two trades in flight share a pool)"
                />
                <TextField
                  size="small"
                  multiline
                  minRows={2}
                  label="Max amount in, per start token"
                  helperText={'one a line: "<token address or symbol> = <largest amount_in, raw>"; empty clears every cap'}
                  value={draft.max_amount_in}
                  onChange={(e) => setDraft({ ...draft, max_amount_in: e.target.value })}
                />
                {problem ? <Alert severity="error">{problem}</Alert> : null}
                {saved ? (
                  <Alert severity="success" data-testid="limits-saved">
                    Risk limits saved.
                  </Alert>
                ) : null}
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
