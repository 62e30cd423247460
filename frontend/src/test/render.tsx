/** Render a piece of the app with its providers, signed in with `role` (or not). */
import { CssBaseline, ThemeProvider } from "@mui/material";
import { render } from "@testing-library/react";
import type { ReactElement } from "react";
import { createMemoryRouter, RouterProvider, type RouteObject } from "react-router";
import { theme } from "@/app/theme";
import { api } from "@/lib/api/endpoints";
import type { Role } from "@/lib/api/types";
import { AuthProvider } from "@/lib/auth/AuthProvider";
import { AuthSession } from "@/lib/auth/session";
import { LiveClient } from "@/lib/ws/LiveClient";
import { LiveProvider } from "@/lib/ws/LiveProvider";
import { FakeWebSocket } from "./FakeWebSocket";
import { me } from "./fixtures";

export function signedInSession(role: Role | null): AuthSession {
  const session = new AuthSession(api);
  session.state.set(role === null ? { status: "anonymous", reason: null } : { status: "authenticated", user: me(role), role });
  // the token a signed-in page holds; no refresh during the test
  Object.assign(session, { token: "test-access-token", expiresAt: Date.now() + 3_600_000 });
  return session;
}

export function liveClient(): LiveClient {
  return new LiveClient({
    url: "ws://dashboard.test/ws",
    token: async () => "test-access-token",
    webSocket: FakeWebSocket as unknown as typeof WebSocket,
    initialBackoffMs: 10,
    maxBackoffMs: 50,
    random: () => 1,
  });
}

export function renderApp(
  routes: RouteObject[],
  { role = "viewer", path = "/", client = liveClient() }: { role?: Role | null; path?: string; client?: LiveClient } = {},
) {
  const session = signedInSession(role);
  const router = createMemoryRouter(routes, { initialEntries: [path] });
  const ui: ReactElement = (
    <ThemeProvider theme={theme}>
      <CssBaseline />
      <AuthProvider session={session} navigate={() => undefined}>
        <LiveProvider client={client}>
          <RouterProvider router={router} />
        </LiveProvider>
      </AuthProvider>
    </ThemeProvider>
  );
  return { ...render(ui), router, session, client };
}
