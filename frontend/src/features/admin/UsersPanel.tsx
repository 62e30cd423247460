/** Users and roles: change a role, disable a user, end their sessions. */
import { Button, Card, CardContent, MenuItem, Select, Switch, Table, TableBody, TableCell, TableHead, TableRow, Typography } from "@mui/material";
import { useState } from "react";
import { RequestError } from "@/components/RequestError";
import { api } from "@/lib/api/endpoints";
import { ApiError, isApiError } from "@/lib/api/errors";
import type { Role } from "@/lib/api/types";
import { useAuth } from "@/lib/auth/AuthProvider";
import { formatTime } from "@/lib/format";
import { useRequest } from "@/lib/useRequest";

export function UsersPanel() {
  const auth = useAuth();
  const users = useRequest(() => api.users(), []);
  const [error, setError] = useState<ApiError | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const act = async (work: () => Promise<string | null>) => {
    setError(null);
    setNote(null);
    try {
      setNote(await work());
      users.reload();
    } catch (caught) {
      setError(isApiError(caught) ? caught : new ApiError("server", 0, String(caught)));
    }
  };
  return (
    <Card variant="outlined">
      <CardContent>
        <Typography variant="subtitle1" gutterBottom>
          Users and roles
        </Typography>
        <Typography variant="body2" color="text.secondary" gutterBottom>
          A new role takes effect at the user's next token refresh (within minutes); disabling ends their sessions and keys at once.
        </Typography>
        <RequestError error={users.error} what="Users" onRetry={users.reload} />
        <RequestError error={error} what="Change" />
        {note ? <Typography variant="body2">{note}</Typography> : null}
        {users.data ? (
          <Table size="small" aria-label="users">
            <TableHead>
              <TableRow>
                <TableCell>User</TableCell>
                <TableCell>Provider</TableCell>
                <TableCell>Email</TableCell>
                <TableCell>Role</TableCell>
                <TableCell>Enabled</TableCell>
                <TableCell>Last login</TableCell>
                <TableCell />
              </TableRow>
            </TableHead>
            <TableBody>
              {users.data.map((u) => {
                const self = u.id === auth.user?.id;
                return (
                  <TableRow key={u.id} data-testid="user-row">
                    <TableCell>{u.login ?? u.name ?? u.subject}</TableCell>
                    <TableCell>{u.provider}</TableCell>
                    <TableCell>{u.email ?? "—"}</TableCell>
                    <TableCell>
                      <Select
                        size="small"
                        value={u.role}
                        aria-label={`role of ${u.login ?? u.id}`}
                        onChange={(e) => void act(async () => {
                          await api.updateUser(u.id, { role: e.target.value as Role });
                          return null;
                        })}
                      >
                        <MenuItem value="viewer">viewer</MenuItem>
                        <MenuItem value="trader">trader</MenuItem>
                        <MenuItem value="admin">admin</MenuItem>
                      </Select>
                    </TableCell>
                    <TableCell>
                      <Switch
                        checked={!u.disabled}
                        disabled={self}
                        onChange={(e) => void act(async () => {
                          await api.updateUser(u.id, { disabled: !e.target.checked });
                          return null;
                        })}
                      />
                    </TableCell>
                    <TableCell>{u.last_login_at ? formatTime(u.last_login_at * 1000) : "never"}</TableCell>
                    <TableCell>
                      <Button size="small" onClick={() => void act(async () => {
                        const r = await api.revokeUserSessions(u.id);
                        return `${r.revoked} session(s) of ${u.login ?? u.id} ended`;
                      })}>
                        End sessions
                      </Button>
                    </TableCell>
                  </TableRow>
                );
              })}
            </TableBody>
          </Table>
        ) : null}
      </CardContent>
    </Card>
  );
}
