/** Every route, the role it needs, and its page (loaded on first visit). */
import { lazy, type ReactNode } from "react";
import { Navigate, type RouteObject } from "react-router";
import { LoginPage } from "@/features/auth/LoginPage";
import { RequireRole } from "@/lib/auth/RequireRole";
import type { Role } from "@/lib/api/types";
import { Layout } from "./Layout";

const OverviewPage = lazy(() => import("@/features/overview/OverviewPage"));
const OpportunitiesPage = lazy(() => import("@/features/opportunities/OpportunitiesPage"));
const TradesPage = lazy(() => import("@/features/trades/TradesPage"));
const MarketsPage = lazy(() => import("@/features/markets/MarketsPage"));
const PredictionsPage = lazy(() => import("@/features/predictions/PredictionsPage"));
const PerformancePage = lazy(() => import("@/features/performance/PerformancePage"));
const HealthPage = lazy(() => import("@/features/health/HealthPage"));
const AdminPage = lazy(() => import("@/features/admin/AdminPage"));

const guard = (role: Role, element: ReactNode) => <RequireRole role={role}>{element}</RequireRole>;

export const routes: RouteObject[] = [
  { path: "/login", element: <LoginPage /> },
  {
    element: guard("viewer", <Layout />),
    children: [
      { index: true, element: <OverviewPage /> },
      { path: "opportunities", element: <OpportunitiesPage /> },
      { path: "opportunities/:opportunityId", element: <OpportunitiesPage /> },
      { path: "trades", element: <TradesPage /> },
      { path: "trades/:tradeId", element: <TradesPage /> },
      { path: "markets", element: <MarketsPage /> },
      { path: "predictions", element: <PredictionsPage /> },
      { path: "performance", element: <PerformancePage /> },
      { path: "health", element: guard("admin", <HealthPage />) },
      { path: "admin", element: guard("admin", <AdminPage />) },
      { path: "*", element: <Navigate to="/" replace /> },
    ],
  },
];
