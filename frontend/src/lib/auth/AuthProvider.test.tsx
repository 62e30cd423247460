import { act, render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { api } from "@/lib/api/endpoints";
import { me } from "@/test/fixtures";
import { stubGateway } from "@/test/http";
import { AuthProvider, useAuth } from "./AuthProvider";
import { AuthSession } from "./session";

function Who() {
  const auth = useAuth();
  return (
    <div>
      <span data-testid="status">{auth.state.status}</span>
      <span data-testid="role">{auth.role ?? "-"}</span>
      <span data-testid="can-trade">{String(auth.can("trader"))}</span>
      <button onClick={() => void auth.logout()}>logout</button>
      <button onClick={() => auth.login("github", "/trades")}>login</button>
    </div>
  );
}

const tokens = (role: string, expiresIn = 300) => ({
  status: 200,
  body: { access_token: `access-${role}`, token_type: "Bearer", expires_in: expiresIn, refresh_token: "rt_x", refresh_expires_in: 1000, role },
});

afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

describe("AuthProvider", () => {
  it("restores the session from the refresh cookie on load", async () => {
    const { calls } = stubGateway({
      "POST /api/v1/auth/refresh": tokens("trader"),
      "GET /api/v1/me": ({ init }) => {
        expect(new Headers(init?.headers).get("Authorization")).toBe("Bearer access-trader");
        return { status: 200, body: me("trader") };
      },
    });
    render(
      <AuthProvider session={new AuthSession(api)}>
        <Who />
      </AuthProvider>,
    );
    await waitFor(() => expect(screen.getByTestId("status")).toHaveTextContent("authenticated"));
    expect(screen.getByTestId("role")).toHaveTextContent("trader");
    expect(screen.getByTestId("can-trade")).toHaveTextContent("true");
    expect(calls).toEqual(["POST /api/v1/auth/refresh", "GET /api/v1/me"]);
  });

  it("is anonymous when there is no session", async () => {
    stubGateway({ "POST /api/v1/auth/refresh": { status: 401, body: { detail: "refresh_token: missing (body or cookie)" } } });
    render(
      <AuthProvider session={new AuthSession(api)}>
        <Who />
      </AuthProvider>,
    );
    await waitFor(() => expect(screen.getByTestId("status")).toHaveTextContent("anonymous"));
    expect(screen.getByTestId("can-trade")).toHaveTextContent("false");
  });

  it("refreshes silently before the access token expires, one refresh at a time", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    let refreshes = 0;
    stubGateway({
      "POST /api/v1/auth/refresh": () => {
        refreshes += 1;
        return tokens("viewer", 60);
      },
      "GET /api/v1/me": { status: 200, body: me("viewer") },
    });
    const session = new AuthSession(api);
    render(
      <AuthProvider session={session}>
        <Who />
      </AuthProvider>,
    );
    await waitFor(() => expect(screen.getByTestId("status")).toHaveTextContent("authenticated"));
    expect(refreshes).toBe(1);
    await Promise.all([session.refresh(), session.refresh(), session.refresh()]);
    expect(refreshes).toBe(2); // concurrent callers share one request
    await act(async () => {
      await vi.advanceTimersByTimeAsync(48_000); // 80 % of 60 s
    });
    expect(refreshes).toBe(3);
  });

  it("logs out at the gateway and forgets the user", async () => {
    const { calls } = stubGateway({
      "POST /api/v1/auth/refresh": tokens("admin"),
      "GET /api/v1/me": { status: 200, body: me("admin") },
      "POST /api/v1/auth/logout": { status: 204 },
    });
    render(
      <AuthProvider session={new AuthSession(api)}>
        <Who />
      </AuthProvider>,
    );
    await waitFor(() => expect(screen.getByTestId("role")).toHaveTextContent("admin"));
    await userEvent.click(screen.getByText("logout"));
    await waitFor(() => expect(screen.getByTestId("status")).toHaveTextContent("anonymous"));
    expect(calls).toContain("POST /api/v1/auth/logout");
  });

  it("sends the browser to the gateway's OAuth2 login with a return address", async () => {
    stubGateway({ "POST /api/v1/auth/refresh": { status: 401, body: { detail: "no" } } });
    const navigate = vi.fn();
    render(
      <AuthProvider session={new AuthSession(api)} navigate={navigate}>
        <Who />
      </AuthProvider>,
    );
    await userEvent.click(screen.getByText("login"));
    expect(navigate).toHaveBeenCalledWith(
      `/api/v1/auth/login/github?return_to=${encodeURIComponent(`${window.location.origin}/trades`)}`,
    );
  });
});
