/** The one auth context: who is signed in, with which role, and how to sign in or out. */
import { createContext, type ReactNode, useContext, useEffect, useMemo, useSyncExternalStore } from "react";
import { apiClient } from "../api/client";
import { api } from "../api/endpoints";
import type { Me, Role } from "../api/types";
import { atLeast } from "./roles";
import { AuthSession, type AuthState, loginUrl } from "./session";

export interface AuthContextValue {
  state: AuthState;
  user: Me | null;
  role: Role | null;
  session: AuthSession;
  /** Does the signed-in user hold `role` or higher? */
  can(role: Role): boolean;
  /** Leave the page for the gateway's OAuth2 login at `provider`; come back to `next`. */
  login(provider: string, next?: string): void;
  logout(): Promise<void>;
}

const AuthContext = createContext<AuthContextValue | null>(null);

export interface AuthProviderProps {
  children: ReactNode;
  /** A session of its own (tests); the default talks to the gateway. */
  session?: AuthSession;
  /** Where a browser goes to sign in (tests replace the page navigation). */
  navigate?: (url: string) => void;
}

export function AuthProvider({ children, session: given, navigate }: AuthProviderProps) {
  const session = useMemo(() => given ?? new AuthSession(api), [given]);
  const state = useSyncExternalStore(session.state.subscribe, session.state.get);

  useEffect(() => {
    apiClient.useCredentials(session);
    if (session.state.get().status === "loading") void session.start();
    return () => {
      apiClient.useCredentials(null);
      session.dispose();
    };
  }, [session]);

  const value = useMemo<AuthContextValue>(() => {
    const role = state.status === "authenticated" ? state.role : null;
    return {
      state,
      user: state.status === "authenticated" ? state.user : null,
      role,
      session,
      can: (needed) => atLeast(role, needed),
      login: (provider, next = "/") => (navigate ?? ((url) => window.location.assign(url)))(loginUrl(provider, next)),
      logout: () => session.logout(),
    };
  }, [state, session, navigate]);

  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthContextValue {
  const value = useContext(AuthContext);
  if (value === null) throw new Error("useAuth outside <AuthProvider>");
  return value;
}

/** Does the signed-in user hold `role`? For enabling actions; routes use <RequireRole>. */
export function useCan(role: Role): boolean {
  return useAuth().can(role);
}
