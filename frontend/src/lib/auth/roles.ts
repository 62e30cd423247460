import type { Role } from "../api/types";

/** viewer < trader < admin, as the gateway ranks them (gateway/auth/roles.py). */
export const ROLE_RANK: Record<Role, number> = { viewer: 1, trader: 2, admin: 3 };

export function atLeast(role: Role | null | undefined, needed: Role): boolean {
  return role !== null && role !== undefined && ROLE_RANK[role] >= ROLE_RANK[needed];
}
