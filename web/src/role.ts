// Which screens to show: the role claim of the access token. Only a choice of screens — the
// gateway checks the signed token on every call, so a forged claim shows screens that fail.

/** The token's role claim, or null when the token is not a readable JWT. */
export function roleOf(token: string | null): string | null {
  const payload = token?.split(".")[1];
  if (!payload) return null;
  try {
    const json = atob(payload.replace(/-/g, "+").replace(/_/g, "/"));
    const claims = JSON.parse(json) as { role?: unknown };
    return typeof claims.role === "string" ? claims.role : null;
  } catch {
    return null;
  }
}

export const THERAPIST = "therapist";
export const CLINIC_ADMIN = "clinic_admin";
export const ANALYST = "analyst";
export const OPERATOR = "operator";
