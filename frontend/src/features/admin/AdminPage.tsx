/** Admin: mode, risk limits and kill switch; API keys; users and roles; audit log; engine configuration. */
import { Box, Card, CardContent, Tab, Tabs, Typography } from "@mui/material";
import { useState } from "react";
import { PageHeader } from "@/components/PageHeader";
import { RequestError } from "@/components/RequestError";
import { api } from "@/lib/api/endpoints";
import { useRequest } from "@/lib/useRequest";
import { ApiKeysPanel } from "./ApiKeysPanel";
import { AuditLogPanel } from "./AuditLogPanel";
import { ModePanel } from "./ModePanel";
import { UsersPanel } from "./UsersPanel";

function EngineConfigPanel() {
  const config = useRequest(() => api.engineConfig(), []);
  return (
    <Card variant="outlined">
      <CardContent>
        <Typography variant="subtitle1">Engine configuration (secrets redacted)</Typography>
        <RequestError error={config.error} what="Engine configuration" onRetry={config.reload} />
        {config.data ? (
          <Box component="pre" sx={{ fontSize: 12, overflow: "auto", maxHeight: 560 }}>
            {JSON.stringify(config.data.config, null, 2)}
          </Box>
        ) : null}
      </CardContent>
    </Card>
  );
}

const TABS = [
  { label: "Mode & risk", panel: <ModePanel /> },
  { label: "API keys", panel: <ApiKeysPanel /> },
  { label: "Users", panel: <UsersPanel /> },
  { label: "Audit log", panel: <AuditLogPanel /> },
  { label: "Engine config", panel: <EngineConfigPanel /> },
];

export default function AdminPage() {
  const [tab, setTab] = useState(0);
  return (
    <>
      <PageHeader title="Admin" />
      <Tabs value={tab} onChange={(_e, v: number) => setTab(v)} sx={{ mb: 2 }}>
        {TABS.map((t) => (
          <Tab key={t.label} label={t.label} />
        ))}
      </Tabs>
      {TABS[tab]?.panel}
    </>
  );
}
