import type { Role } from "@/lib/api/types";

/** The pages in the side bar, and the role each needs (the routes check the same). */
export interface NavItem {
  path: string;
  label: string;
  role: Role;
}

export const NAV: NavItem[] = [
  { path: "/", label: "Overview", role: "viewer" },
  { path: "/opportunities", label: "Live opportunities", role: "viewer" },
  { path: "/trades", label: "Trades", role: "viewer" },
  { path: "/markets", label: "Markets", role: "viewer" },
  { path: "/predictions", label: "Predictions", role: "viewer" },
  { path: "/performance", label: "Performance", role: "viewer" },
  { path: "/health", label: "System health", role: "admin" },
  { path: "/admin", label: "Admin", role: "admin" },
];
