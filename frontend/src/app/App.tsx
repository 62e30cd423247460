/** Providers (theme, auth, live connection) around the router. */
import { CssBaseline, ThemeProvider } from "@mui/material";
import { useMemo } from "react";
import { createBrowserRouter, RouterProvider } from "react-router";
import { AuthProvider } from "@/lib/auth/AuthProvider";
import { LiveProvider } from "@/lib/ws/LiveProvider";
import { routes } from "./routes";
import { theme } from "./theme";

export function App() {
  const router = useMemo(() => createBrowserRouter(routes), []);
  return (
    <ThemeProvider theme={theme}>
      <CssBaseline />
      <AuthProvider>
        <LiveProvider>
          <RouterProvider router={router} />
        </LiveProvider>
      </AuthProvider>
    </ThemeProvider>
  );
}
