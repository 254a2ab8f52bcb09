import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { App } from "../App";
import { roleOf } from "../role";
import { fakeApi } from "../test/fakeApi";
import { tokenFor, seriousViolations } from "../test/support";

const THERAPIST_TOKEN = tokenFor("therapist");

const FLAG = {
  flag_id: "flag-1",
  client_id: "client-ada",
  assignment_id: "a-1",
  measure: "PHQ-9",
  rule_id: "phq9-item9",
  item_id: "phq9_9",
  message: "Thoughts of self-harm reported",
  raised_at: "2026-11-01T10:00:00+00:00",
  acknowledged_at: null,
  note: null,
};

function entry(clientId: string, flags: unknown[] = []) {
  return {
    client_id: clientId,
    last_activity_at: null,
    adherence: { assigned: 1, completed: 0, overdue: 0 },
    latest_scores: [],
    open_risk_flags: flags,
    worsening: false,
  };
}

const CLIENTS = {
  "GET /clients?limit=100": {
    status: 200,
    body: {
      clients: [
        { account_id: "client-ada", display_name: "Ada", username: "ada@demo.client" },
        { account_id: "client-bo", display_name: "Bo", username: "bo@demo.client" },
      ],
    },
  },
};

afterEach(() => vi.unstubAllGlobals());

describe("the role of a token", () => {
  it("is read from its claims, and unknown when it is not a JWT", () => {
    expect(roleOf(THERAPIST_TOKEN)).toBe("therapist");
    expect(roleOf("opaque")).toBeNull();
    expect(roleOf(null)).toBeNull();
  });
});

describe("the caseload", () => {
  it("lists clients in the API's order by display name and acknowledges a risk flag with a note", async () => {
    const calls = fakeApi({
      ...CLIENTS,
      "GET /me/caseload": { status: 200, body: { clients: [entry("client-ada", [FLAG]), entry("client-bo")] } },
      "POST /assignments/a-1/risk-flags/flag-1/acknowledge": { status: 201, body: { ...FLAG, note: "Called her" } },
    });
    const { container } = render(<App initialPath="/" token={THERAPIST_TOKEN} />);

    expect(await screen.findByRole("heading", { name: "Caseload" }, { timeout: 10_000 })).toBeInTheDocument();
    await waitFor(() => {
      const list = container.querySelector<HTMLElement>("ul.caseload");
      expect(list && within(list).getAllByRole("link").map((l) => l.textContent)).toEqual(["Ada", "Bo"]);
    });
    expect(await seriousViolations(container)).toEqual([]);

    await userEvent.type(screen.getByLabelText("Note (what you did about it)"), "Called her");
    await userEvent.click(screen.getByRole("button", { name: "Acknowledge" }));

    expect(await screen.findByRole("status")).toHaveTextContent("Risk flag acknowledged.");
    expect(calls.find((c) => c.method === "POST")?.body).toEqual({ note: "Called her" });
    expect(screen.queryByRole("button", { name: "Acknowledge" })).not.toBeInTheDocument();
  });

  it("lists a client with nothing assigned yet after those the API orders, linked to their page", async () => {
    fakeApi({ ...CLIENTS, "GET /me/caseload": { status: 200, body: { clients: [entry("client-ada")] } } });
    const { container } = render(<App initialPath="/" token={THERAPIST_TOKEN} />);

    await waitFor(() => {
      const list = container.querySelector<HTMLElement>("ul.caseload");
      expect(list && within(list).getAllByRole("link").map((l) => l.textContent)).toEqual(["Ada", "Bo"]);
    });
    const bo = screen.getByRole("link", { name: "Bo" });
    expect(bo).toHaveAttribute("href", "/clients/client-bo");
    expect(bo.closest("li")).toHaveTextContent("Nothing assigned yet");
    expect(screen.queryByText("No clients yet.")).not.toBeInTheDocument();
  });
});

describe("a client's page", () => {
  const ASSIGNMENTS_PATH = "GET /clients/client-ada/assignments?limit=100";
  const ASSIGNED = {
    assignment_id: "a-2",
    title: "Evening check-in",
    status: "assigned",
    assigned_at: "2026-11-02T10:00:00+00:00",
    due_at: "2026-11-09T10:00:00+00:00",
    submitted_at: null,
  };

  function clientApi(onPost: (path: string, body: unknown) => void) {
    let assigned = false;
    return fakeApi({
      ...CLIENTS,
      [ASSIGNMENTS_PATH]: () => ({ status: 200, body: { assignments: assigned ? [ASSIGNED] : [] } }),
      "GET /clients/client-ada/progress": {
        status: 200,
        body: {
          measures: [
            {
              measure: "PHQ-9",
              series: [{ assignment_id: "a-1", value: 17, band: "moderately severe", above_cutoff: true, submitted_at: "2026-11-01T10:00:00+00:00" }],
              change: null,
            },
          ],
        },
      },
      "GET /clients/client-ada/measures/PHQ-9/chart.svg": { status: 404 },
      "GET /activities?limit=100": {
        status: 200,
        body: {
          activities: [
            { activity_id: "act-1", draft: { title: "Evening check-in" }, latest_version: 1, archived: false },
            { activity_id: "act-2", draft: { title: "Unpublished" }, latest_version: null, archived: false },
          ],
        },
      },
      "POST /assignments": (call) => {
        assigned = true;
        onPost(call.path, call.body);
        return { status: 201, body: ASSIGNED };
      },
      "POST /recurrences": (call) => {
        onPost(call.path, call.body);
        return { status: 201, body: {} };
      },
    });
  }

  it("shows scores as a table and assigns a published activity with a due date", async () => {
    const posted: [string, unknown][] = [];
    clientApi((path, body) => posted.push([path, body]));
    const { container } = render(<App initialPath="/clients/client-ada" token={THERAPIST_TOKEN} />);

    expect(await screen.findByRole("heading", { name: "Ada" }, { timeout: 10_000 })).toBeInTheDocument();
    const scores = await screen.findByRole("table", { name: "PHQ-9 scores, oldest first" });
    expect(within(scores).getByText("moderately severe")).toBeInTheDocument();

    await userEvent.click(screen.getByRole("button", { name: "Assign activity" }));
    const activity = screen.getByLabelText("Activity");
    expect(within(activity).getAllByRole("option").map((o) => o.textContent)).toEqual(["Choose a published activity", "Evening check-in"]);
    await userEvent.selectOptions(activity, "act-1");
    await userEvent.type(screen.getByLabelText("Due"), "2026-11-09T10:00");
    expect(await seriousViolations(container)).toEqual([]);
    await userEvent.click(screen.getByRole("button", { name: "Assign" }));

    expect(await screen.findByRole("status")).toHaveTextContent("Activity assigned.");
    expect(posted[0][0]).toBe("/assignments");
    expect(posted[0][1]).toEqual({ client_id: "client-ada", activity_id: "act-1", due_at: new Date("2026-11-09T10:00").toISOString() });
    expect(await screen.findByRole("cell", { name: "Evening check-in" })).toBeInTheDocument();
  });

  it("assigns with a release time and reminders in hours, sent as the API's rules", async () => {
    const posted: [string, unknown][] = [];
    clientApi((path, body) => posted.push([path, body]));
    render(<App initialPath="/clients/client-ada" token={THERAPIST_TOKEN} />);

    await userEvent.click(await screen.findByRole("button", { name: "Assign activity" }, { timeout: 10_000 }));
    await userEvent.selectOptions(screen.getByLabelText("Activity"), "act-1");
    await userEvent.type(screen.getByLabelText("Due"), "2026-11-09T10:00");
    await userEvent.type(screen.getByLabelText("Visible to the client from (optional)"), "2026-11-08T08:00");
    await userEvent.type(screen.getByLabelText("Hours after it becomes visible (optional)"), "3");
    await userEvent.type(screen.getByLabelText("Hours before the deadline (optional)"), "2");
    await userEvent.click(screen.getByRole("button", { name: "Assign" }));

    expect(await screen.findByRole("status")).toHaveTextContent("Activity assigned.");
    expect(posted[0][1]).toEqual({
      client_id: "client-ada",
      activity_id: "act-1",
      due_at: new Date("2026-11-09T10:00").toISOString(),
      release_at: new Date("2026-11-08T08:00").toISOString(),
      reminders: [{ anchor: "release", offset_minutes: 180 }, { anchor: "due", offset_minutes: -120 }],
    });
  }, 30_000);

  it("creates a weekly recurrence from plain choices", async () => {
    const posted: [string, unknown][] = [];
    clientApi((path, body) => posted.push([path, body]));
    render(<App initialPath="/clients/client-ada" token={THERAPIST_TOKEN} />);

    await userEvent.click(await screen.findByRole("button", { name: "Assign activity" }, { timeout: 10_000 }));
    await userEvent.selectOptions(screen.getByLabelText("Activity"), "act-1");
    await userEvent.selectOptions(screen.getByLabelText("Repeat"), "weekly");
    await userEvent.type(screen.getByLabelText("First on"), "2026-12-03T07:00");
    await userEvent.click(screen.getByLabelText("Monday"));
    await userEvent.click(screen.getByLabelText("Thursday"));
    await userEvent.type(screen.getByLabelText("Number of times (optional)"), "8");
    await userEvent.click(screen.getByRole("button", { name: "Assign" }));

    expect(await screen.findByRole("status")).toHaveTextContent("Schedule created.");
    expect(posted[0][0]).toBe("/recurrences");
    expect(posted[0][1]).toMatchObject({
      client_id: "client-ada",
      activity_id: "act-1",
      rule: "FREQ=WEEKLY;BYDAY=MO,TH;COUNT=8",
      starts_at: "2026-12-03T07:00",
      due_after_hours: 24,
    });
  });
});
