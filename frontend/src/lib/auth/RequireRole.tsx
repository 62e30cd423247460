/** Protected routes: signed in, and holding at least `role`. */
import { Alert, Box, CircularProgress } from "@mui/material";
import type { ReactNode } from "react";
import { Navigate, useLocation } from "react-router";
import type { Role } from "../api/types";
import { useAuth } from "./AuthProvider";

export function RequireRole({ role, children }: { role: Role; children: ReactNode }) {
  const auth = useAuth();
  const location = useLocation();
  if (auth.state.status === "loading") {
    return (
      <Box sx={{ display: "flex", justifyContent: "center", mt: 8 }} role="status" aria-label="checking session">
        <CircularProgress />
      </Box>
    );
  }
  if (auth.state.status === "anonymous") {
    const next = location.pathname + location.search;
    return <Navigate to={`/login?next=${encodeURIComponent(next)}`} replace />;
  }
  if (!auth.can(role)) {
    return (
      <Alert severity="warning" sx={{ m: 3 }}>
        This page needs the {role} role; you are signed in as {auth.role}.
      </Alert>
    );
  }
  return <>{children}</>;
}
