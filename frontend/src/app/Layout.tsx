/** The signed-in frame: app bar (connection state, user, sign-out), side bar, banner. */
import {
  AppBar,
  Box,
  Button,
  Chip,
  CircularProgress,
  Drawer,
  List,
  ListItemButton,
  ListItemText,
  Toolbar,
  Typography,
} from "@mui/material";
import { Suspense } from "react";
import { NavLink, Outlet, useLocation } from "react-router";
import { ConnectionIndicator } from "@/components/ConnectionIndicator";
import { StatusBanner } from "@/components/StatusBanner";
import { useAuth } from "@/lib/auth/AuthProvider";
import { NAV } from "./navigation";

const DRAWER = 220;

export function Layout() {
  const auth = useAuth();
  const location = useLocation();
  const user = auth.user;
  return (
    <Box sx={{ display: "flex", minHeight: "100vh" }}>
      <AppBar position="fixed" sx={{ zIndex: (t) => t.zIndex.drawer + 1 }} color="default" elevation={1}>
        <Toolbar sx={{ gap: 2 }}>
          <Typography variant="h6" component="div" sx={{ flexGrow: 1 }}>
            arbx
          </Typography>
          <ConnectionIndicator />
          {user ? (
            <>
              <Typography variant="body2" data-testid="user-name">
                {user.name ?? user.login ?? user.email ?? `user ${user.id}`}
              </Typography>
              <Chip size="small" label={auth.role} data-testid="user-role" />
            </>
          ) : null}
          <Button color="inherit" onClick={() => void auth.logout()}>
            Sign out
          </Button>
        </Toolbar>
      </AppBar>
      <Drawer variant="permanent" sx={{ width: DRAWER, flexShrink: 0, "& .MuiDrawer-paper": { width: DRAWER, boxSizing: "border-box" } }}>
        <Toolbar />
        <nav aria-label="pages">
          <List>
            {NAV.filter((item) => auth.can(item.role)).map((item) => {
              const active = item.path === "/" ? location.pathname === "/" : location.pathname.startsWith(item.path);
              return (
                <ListItemButton key={item.path} component={NavLink} to={item.path} selected={active}>
                  <ListItemText primary={item.label} />
                </ListItemButton>
              );
            })}
          </List>
        </nav>
      </Drawer>
      <Box component="main" sx={{ flexGrow: 1, minWidth: 0 }}>
        <Toolbar />
        <StatusBanner />
        <Box sx={{ p: 3 }}>
          <Suspense
            fallback={
              <Box sx={{ display: "flex", justifyContent: "center", mt: 6 }}>
                <CircularProgress />
              </Box>
            }
          >
            <Outlet />
          </Suspense>
        </Box>
      </Box>
    </Box>
  );
}
