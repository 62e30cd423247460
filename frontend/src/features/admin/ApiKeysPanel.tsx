/** API keys: create (the key is shown once), list, revoke; admins see everyone's. */
import {
  Alert,
  Button,
  Card,
  CardContent,
  Chip,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  MenuItem,
  Stack,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  TextField,
  Typography,
} from "@mui/material";
import { useState } from "react";
import { RequestError } from "@/components/RequestError";
import { api } from "@/lib/api/endpoints";
import { ApiError, isApiError } from "@/lib/api/errors";
import type { ApiKey, ApiKeyCreated, Role } from "@/lib/api/types";
import { useAuth } from "@/lib/auth/AuthProvider";
import { ROLE_RANK } from "@/lib/auth/roles";
import { formatTime } from "@/lib/format";
import { useRequest } from "@/lib/useRequest";

function KeyTable({ keys, onRevoke, busy }: { keys: ApiKey[]; onRevoke: (key: ApiKey) => void; busy: boolean }) {
  return (
    <Table size="small" aria-label="api keys">
      <TableHead>
        <TableRow>
          <TableCell>Name</TableCell>
          <TableCell>Prefix</TableCell>
          <TableCell>Role</TableCell>
          <TableCell>User</TableCell>
          <TableCell>Created</TableCell>
          <TableCell>Expires</TableCell>
          <TableCell>Last used</TableCell>
          <TableCell />
        </TableRow>
      </TableHead>
      <TableBody>
        {keys.map((k) => (
          <TableRow key={k.id} data-testid="api-key-row">
            <TableCell>{k.name}</TableCell>
            <TableCell>
              <code>{k.prefix}…</code>
            </TableCell>
            <TableCell>{k.role}</TableCell>
            <TableCell>{k.user_id}</TableCell>
            <TableCell>{formatTime(k.created_at * 1000)}</TableCell>
            <TableCell>{k.expires_at ? formatTime(k.expires_at * 1000) : "never"}</TableCell>
            <TableCell>{k.last_used_at ? formatTime(k.last_used_at * 1000) : "never"}</TableCell>
            <TableCell>
              {k.revoked_at ? (
                <Chip size="small" label="revoked" />
              ) : (
                <Button size="small" color="error" disabled={busy} onClick={() => onRevoke(k)}>
                  Revoke
                </Button>
              )}
            </TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}

export function ApiKeysPanel() {
  const auth = useAuth();
  const mine = useRequest(() => api.apiKeys(), []);
  const everyone = useRequest(() => api.allApiKeys(), [], { enabled: auth.can("admin") });
  const [name, setName] = useState("");
  const [role, setRole] = useState<Role>("viewer");
  const [days, setDays] = useState("");
  const [created, setCreated] = useState<ApiKeyCreated | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const roles = (Object.keys(ROLE_RANK) as Role[]).filter((r) => auth.can(r));

  const act = async (work: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await work();
      mine.reload();
      everyone.reload();
    } catch (caught) {
      setError(isApiError(caught) ? caught : new ApiError("server", 0, String(caught)));
    } finally {
      setBusy(false);
    }
  };
  const create = () =>
    act(async () => {
      setCreated(await api.createApiKey({ name, role, expires_in_days: days ? Number(days) : null }));
      setName("");
    });
  const revoke = (key: ApiKey) =>
    act(async () => {
      await api.revokeApiKey(key.id);
    });

  return (
    <Stack spacing={2}>
      <Card variant="outlined">
        <CardContent>
          <Typography variant="subtitle1" gutterBottom>
            New API key
          </Typography>
          <Stack direction="row" spacing={2} alignItems="center" component="form" onSubmit={(e) => {
            e.preventDefault();
            void create();
          }}>
            <TextField size="small" label="Name" value={name} onChange={(e) => setName(e.target.value)} required slotProps={{ htmlInput: { maxLength: 64 } }} />
            <TextField select size="small" label="Role" value={role} onChange={(e) => setRole(e.target.value as Role)} sx={{ minWidth: 120 }}>
              {roles.map((r) => (
                <MenuItem key={r} value={r}>
                  {r}
                </MenuItem>
              ))}
            </TextField>
            <TextField size="small" label="Expires in days" value={days} onChange={(e) => setDays(e.target.value.replace(/\D/g, ""))} sx={{ width: 150 }} />
            <Button type="submit" variant="contained" disabled={busy || !name.trim()}>
              Create
            </Button>
          </Stack>
          <RequestError error={error} what="API keys" />
        </CardContent>
      </Card>
      <Card variant="outlined">
        <CardContent>
          <Typography variant="subtitle1">Your keys</Typography>
          <RequestError error={mine.error} what="Your keys" />
          {mine.data ? <KeyTable keys={mine.data} onRevoke={(k) => void revoke(k)} busy={busy} /> : null}
        </CardContent>
      </Card>
      {auth.can("admin") ? (
        <Card variant="outlined">
          <CardContent>
            <Typography variant="subtitle1">All keys</Typography>
            <RequestError error={everyone.error} what="All keys" />
            {everyone.data ? <KeyTable keys={everyone.data} onRevoke={(k) => void revoke(k)} busy={busy} /> : null}
          </CardContent>
        </Card>
      ) : null}
      <Dialog open={created !== null} onClose={() => setCreated(null)} maxWidth="md">
        <DialogTitle>API key “{created?.name}” created</DialogTitle>
        <DialogContent>
          <Alert severity="warning" sx={{ mb: 2 }}>
            Copy the key now: it is shown this once and cannot be read again.
          </Alert>
          <TextField fullWidth value={created?.key ?? ""} slotProps={{ htmlInput: { readOnly: true, "data-testid": "created-key" } }} />
        </DialogContent>
        <DialogActions>
          <Button onClick={() => void navigator.clipboard?.writeText(created?.key ?? "")}>Copy</Button>
          <Button variant="contained" onClick={() => setCreated(null)}>
            I have stored it
          </Button>
        </DialogActions>
      </Dialog>
    </Stack>
  );
}
