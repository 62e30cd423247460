import { screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { renderApp } from "@/test/render";
import { stubGateway } from "@/test/http";
import { RequireRole } from "./RequireRole";

const routes = [
  { path: "/login", element: <p>login page</p> },
  { path: "/", element: <RequireRole role="viewer"><p>overview</p></RequireRole> },
  { path: "/trade", element: <RequireRole role="trader"><p>trading desk</p></RequireRole> },
  { path: "/admin", element: <RequireRole role="admin"><p>admin page</p></RequireRole> },
];

afterEach(() => vi.unstubAllGlobals());

describe("RequireRole", () => {
  it("sends an anonymous visitor to the login page, keeping where they wanted to go", async () => {
    stubGateway({});
    const { router } = renderApp(routes, { role: null, path: "/admin" });
    expect(await screen.findByText("login page")).toBeInTheDocument();
    expect(router.state.location.search).toBe(`?next=${encodeURIComponent("/admin")}`);
  });

  it("lets a viewer read but not into trader or admin pages", async () => {
    stubGateway({});
    renderApp(routes, { role: "viewer", path: "/" });
    expect(await screen.findByText("overview")).toBeInTheDocument();
    renderApp(routes, { role: "viewer", path: "/admin" });
    expect(await screen.findByText(/needs the admin role; you are signed in as viewer/)).toBeInTheDocument();
    expect(screen.queryByText("admin page")).not.toBeInTheDocument();
  });

  it("lets a trader trade and an admin everywhere", async () => {
    stubGateway({});
    renderApp(routes, { role: "trader", path: "/trade" });
    expect(await screen.findByText("trading desk")).toBeInTheDocument();
    renderApp(routes, { role: "admin", path: "/trade" });
    expect(await screen.findAllByText("trading desk")).toHaveLength(2);
  });
});
