/**
 * Sign in: one button per provider the gateway offers (GitHub, Google, or any
 * OpenID provider), each going to the gateway's OAuth2 login.
 */
import { Alert, Box, Button, Card, CardContent, CircularProgress, Stack, Typography } from "@mui/material";
import { Navigate, useSearchParams } from "react-router";
import { api } from "@/lib/api/endpoints";
import type { Provider } from "@/lib/api/types";
import { useAuth } from "@/lib/auth/AuthProvider";
import { useRequest } from "@/lib/useRequest";
import { RequestError } from "@/components/RequestError";

/** The two providers the product names, always offered in this order. */
const NAMED = ["github", "google"];

function label(provider: Provider): string {
  if (provider.preset === "github") return "Sign in with GitHub";
  if (provider.preset === "google") return "Sign in with Google";
  return `Sign in with ${provider.display_name}`;
}

export function LoginPage() {
  const auth = useAuth();
  const [params] = useSearchParams();
  const next = params.get("next") ?? "/";
  const providers = useRequest(() => api.providers(), []);

  if (auth.state.status === "authenticated") return <Navigate to={next.startsWith("/") ? next : "/"} replace />;

  const list = [...(providers.data ?? [])].sort((a, b) => {
    const rank = (p: Provider) => (NAMED.includes(p.preset) ? NAMED.indexOf(p.preset) : NAMED.length);
    return rank(a) - rank(b);
  });
  const reason = auth.state.status === "anonymous" ? auth.state.reason : null;

  return (
    <Box sx={{ minHeight: "100vh", display: "flex", alignItems: "center", justifyContent: "center", p: 2 }}>
      <Card sx={{ width: 380 }} variant="outlined">
        <CardContent>
          <Typography variant="h5" component="h1" gutterBottom>
            arbx dashboard
          </Typography>
          <Typography variant="body2" color="text.secondary" sx={{ mb: 3 }}>
            Sign in to watch the engine. Your role (viewer, trader, admin) is set by the gateway.
          </Typography>
          {reason ? (
            <Alert severity="warning" sx={{ mb: 2 }}>
              {reason}
            </Alert>
          ) : null}
          {auth.state.status === "loading" || providers.loading ? (
            <Box sx={{ display: "flex", justifyContent: "center" }}>
              <CircularProgress size={28} />
            </Box>
          ) : (
            <Stack spacing={1.5}>
              {list.map((provider) => (
                <Button
                  key={provider.name}
                  variant="contained"
                  size="large"
                  data-provider={provider.name}
                  onClick={() => auth.login(provider.name, next)}
                >
                  {label(provider)}
                </Button>
              ))}
              {providers.data && list.length === 0 ? (
                <Alert severity="info">The gateway has no login provider configured.</Alert>
              ) : null}
              <RequestError error={providers.error} what="Login providers" onRetry={providers.reload} />
            </Stack>
          )}
        </CardContent>
      </Card>
    </Box>
  );
}
