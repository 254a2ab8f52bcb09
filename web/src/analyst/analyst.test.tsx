import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import axe from "axe-core";
import { afterEach, describe, expect, it, vi } from "vitest";
import { App } from "../App";
import { fakeApi } from "../test/fakeApi";
import { analystEn, analystEs } from "./messages";

const ANALYST_TOKEN = `eyJhbGciOiJIUzI1NiJ9.${btoa(JSON.stringify({ sub: "analyst-demo", role: "analyst" })).replace(/=+$/, "")}.signature`;

function keys(catalog: object, prefix = ""): string[] {
  return Object.entries(catalog).flatMap(([key, value]) => (typeof value === "object" ? keys(value, `${prefix}${key}.`) : [`${prefix}${key}`]));
}

afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe("an analyst", () => {
  it("has every message in Spanish too", () => {
    expect(keys(analystEs).sort()).toEqual(keys(analystEn).sort());
  });

  it("sees the clinic's usage, the data dictionary linked, and downloads a CSV export with its filters", async () => {
    const calls = fakeApi({
      "GET /clinic/usage": {
        status: 200,
        body: { activities: [{ activity_id: "a1", title: "PHQ-9", assignments: 4, submitted: 3, cancelled: 0, clients: 2, versions: 1 }], funnel: [] },
      },
      "GET /reports/scores.csv?client_id=client-ada": { status: 200, body: "client_id,score" },
    });
    URL.createObjectURL = vi.fn(() => "blob:csv");
    URL.revokeObjectURL = vi.fn();
    const clicked = vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(() => undefined);
    const user = userEvent.setup();
    const { container } = render(<App initialPath="/" token={ANALYST_TOKEN} />);

    const usage = await screen.findByRole("table", { name: "Activity usage in the clinic" });
    expect(within(usage).getByRole("rowheader", { name: "PHQ-9" })).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "Data dictionary: what every column means" })).toHaveAttribute("href", "/app/data-dictionary.md");
    const results = await axe.run(container, { rules: { "color-contrast": { enabled: false } } });
    expect(results.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => v.id)).toEqual([]);

    await user.selectOptions(screen.getByLabelText("Report"), "Scores (scores.csv)");
    await user.type(screen.getByLabelText("Client id (optional)"), "client-ada");
    await user.click(screen.getByRole("button", { name: "Download CSV" }));

    expect(await screen.findByRole("status")).toHaveTextContent("scores.csv downloaded.");
    const download = calls.find((c) => c.path.startsWith("/reports/"));
    expect(download?.headers.Authorization).toBe(`Bearer ${ANALYST_TOKEN}`);
    expect(clicked).toHaveBeenCalled();
  });

  it("shows the gateway's refusal of an export", async () => {
    fakeApi({
      "GET /clinic/usage": { status: 200, body: { activities: [], funnel: [] } },
      "GET /reports/caseload.csv": { status: 422, body: { detail: "The caseload needs therapist_id." } },
    });
    const user = userEvent.setup();
    render(<App initialPath="/" token={ANALYST_TOKEN} />);

    await user.selectOptions(await screen.findByLabelText("Report"), "A therapist's caseload (caseload.csv)");
    await user.click(screen.getByRole("button", { name: "Download CSV" }));

    expect(await screen.findByRole("alert")).toHaveTextContent("The caseload needs therapist_id.");
  });
});
