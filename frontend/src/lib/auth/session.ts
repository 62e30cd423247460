/**
 * The login session, outside React: the access token lives in memory only; the
 * refresh token is the gateway's httpOnly `arbx_refresh` cookie (path
 * /api/v1/auth), so a page load or a silent refresh is one POST /auth/refresh.
 *
 * The gateway rotates refresh tokens and revokes the whole session when a spent
 * one is presented again, so refreshes must never overlap: one at a time in this
 * tab (a shared promise) and across tabs (a Web Lock, where the browser has it).
 */
import type { Credentials } from "../api/client";
import type { Api } from "../api/endpoints";
import { isApiError } from "../api/errors";
import type { Me, Role } from "../api/types";
import { Observable } from "../store";

export type AuthState =
  | { status: "loading" }
  | { status: "anonymous"; reason: string | null }
  | { status: "authenticated"; user: Me; role: Role };

/** Refresh this long before the access token expires. */
const REFRESH_MARGIN_MS = 30_000;
const LOCK_NAME = "arbx-auth-refresh";

export class AuthSession implements Credentials {
  readonly state = new Observable<AuthState>({ status: "loading" });
  private token: string | null = null;
  private expiresAt = 0;
  private inflight: Promise<string | null> | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly api: Api,
    private readonly now: () => number = Date.now,
  ) {}

  /** On page load: a session exists when the refresh cookie is still good. */
  async start(): Promise<void> {
    const token = await this.refresh();
    if (token === null && this.state.get().status === "loading") {
      this.state.set({ status: "anonymous", reason: null });
    }
  }

  async accessToken(): Promise<string | null> {
    if (this.token !== null && this.expiresAt - this.now() > 5_000) return this.token;
    if (this.state.get().status === "anonymous") return null;
    return this.refresh();
  }

  async afterUnauthorized(): Promise<string | null> {
    this.token = null;
    return this.refresh("your session ended; sign in again");
  }

  /** A new access token from the refresh cookie; null (and anonymous) when it is gone. */
  refresh(reasonIfGone: string | null = null): Promise<string | null> {
    if (this.inflight === null) {
      this.inflight = this.exclusive(() => this.doRefresh(reasonIfGone)).finally(() => {
        this.inflight = null;
      });
    }
    return this.inflight;
  }

  async logout(): Promise<void> {
    try {
      if (this.token !== null) await this.api.logout();
    } catch {
      // the session is dropped here either way; the cookie expires on its own
    }
    this.clear({ status: "anonymous", reason: null });
  }

  /** Drop the session without asking the gateway (it already refused it). */
  expire(reason: string): void {
    this.clear({ status: "anonymous", reason });
  }

  dispose(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private clear(next: AuthState): void {
    this.dispose();
    this.token = null;
    this.expiresAt = 0;
    this.state.set(next);
  }

  private async exclusive<T>(work: () => Promise<T>): Promise<T> {
    const locks = typeof navigator !== "undefined" ? navigator.locks : undefined;
    if (locks?.request) return locks.request(LOCK_NAME, work);
    return work();
  }

  private async doRefresh(reasonIfGone: string | null): Promise<string | null> {
    let tokens;
    try {
      tokens = await this.api.refresh();
    } catch (error) {
      if (isApiError(error, "unauthorized") || isApiError(error, "forbidden")) {
        this.clear({ status: "anonymous", reason: reasonIfGone });
        return null;
      }
      // gateway down or rate limited: keep the session, try again shortly
      this.schedule(5_000);
      if (this.state.get().status === "loading") {
        this.state.set({ status: "anonymous", reason: isApiError(error) ? error.message : "the gateway does not answer" });
      }
      return this.token;
    }
    this.token = tokens.access_token;
    this.expiresAt = this.now() + tokens.expires_in * 1000;
    this.schedule(Math.max(1_000, Math.min(tokens.expires_in * 1000 - REFRESH_MARGIN_MS, tokens.expires_in * 800)));
    const current = this.state.get();
    if (current.status !== "authenticated" || current.role !== tokens.role) {
      try {
        const user = await this.api.me(tokens.access_token);
        this.state.set({ status: "authenticated", user, role: tokens.role });
      } catch (error) {
        this.clear({ status: "anonymous", reason: isApiError(error) ? error.message : "cannot read the user" });
        return null;
      }
    }
    return this.token;
  }

  private schedule(delayMs: number): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.refresh("your session ended; sign in again");
    }, delayMs);
  }
}

/** Where "Sign in with X" goes: the gateway's OAuth2 start, back to `next` after. */
export function loginUrl(provider: string, next: string, origin: string = window.location.origin): string {
  const returnTo = origin + (next.startsWith("/") ? next : "/");
  return `/api/v1/auth/login/${encodeURIComponent(provider)}?return_to=${encodeURIComponent(returnTo)}`;
}
