import axe from "axe-core";

/** A token the app can read (signature unchecked in component tests) for a demo account of ``role``. */
export function tokenFor(role: string): string {
  const payload = btoa(JSON.stringify({ sub: "therapist-demo", role, clinic: "clinic-demo" })).replace(/=+$/, "");
  return `eyJhbGciOiJIUzI1NiJ9.${payload}.signature`;
}

/** axe-core's serious and critical violations in ``container`` (contrast is checked in Chromium, not jsdom). */
export async function seriousViolations(container: HTMLElement): Promise<string[]> {
  const results = await axe.run(container, { rules: { "color-contrast": { enabled: false } } });
  return results.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => v.id);
}
