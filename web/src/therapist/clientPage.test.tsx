import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { App } from "../App";
import { fakeApi } from "../test/fakeApi";
import { tokenFor, seriousViolations } from "../test/support";

const THERAPIST_TOKEN = tokenFor("therapist");
const FIND = { timeout: 10_000 };

afterEach(() => vi.unstubAllGlobals());

const CLIENTS = {
  "GET /clients?limit=100": { status: 200, body: { clients: [{ account_id: "client-ada", display_name: "Ada", username: "ada@demo.client" }] } },
};

const SUBMITTED = {
  assignment_id: "a-1",
  title: "PHQ-9",
  status: "submitted",
  assigned_at: "2026-11-01T09:00:00+00:00",
  due_at: null,
  submitted_at: "2026-11-01T10:00:00+00:00",
};

function clientPageApi() {
  return fakeApi({
    ...CLIENTS,
    "GET /clients/client-ada/assignments?limit=100": { status: 200, body: { assignments: [SUBMITTED] } },
    "GET /assignments/a-1/timeline": {
      status: 200,
      body: {
        assignment_id: "a-1",
        client_id: "client-ada",
        timeline: [
          { status: "assigned", occurred_at: "2026-11-01T09:00:00+00:00" },
          { status: "submitted", occurred_at: "2026-11-01T10:00:00+00:00" },
          { status: "risk_flag_raised", occurred_at: "2026-11-01T10:00:00+00:00" },
        ],
      },
    },
    "GET /clients/client-ada/adherence": {
      status: 200,
      body: { client_id: "client-ada", assigned: 4, completed: 3, overdue: 1, cancelled: 0, completion_rate: 0.75, median_hours_to_complete: 5.5, last_activity_at: null },
    },
    "GET /clients/client-ada/progress": {
      status: 200,
      body: {
        client_id: "client-ada",
        measures: [
          {
            measure: "PHQ-9",
            norms: {
              measure: "PHQ-9", name: "PHQ-9", minimum: 0, maximum: 27, lower_is_better: true, cutoff: 10, sd: 5, reliability: 0.84,
              bands: [{ lower: 0, upper: 4, label: "minimal" }, { lower: 5, upper: 27, label: "more" }], source: "x",
            },
            series: [
              { assignment_id: "a-0", value: 20, band: "more", above_cutoff: true, submitted_at: "2026-10-01T10:00:00+00:00" },
              { assignment_id: "a-1", value: 4, band: "minimal", above_cutoff: false, submitted_at: "2026-11-01T10:00:00+00:00" },
            ],
            change: { baseline: 20, latest: 4, rci: -5.12, reliable: true, baseline_clinical: true, latest_clinical: false, classification: "recovered" },
          },
        ],
      },
    },
    "GET /clients/client-ada/measures/PHQ-9/chart.svg": { status: 404 },
    "GET /clients/client-ada/schedule": {
      status: 200,
      body: { entries: [{ entry_id: "e-1", assignment_id: "a-2", kind: "reminder", due_at: "2026-12-01T09:00:00+00:00", next_at: null, state: "pending", attempts: 0, last_error: null }] },
    },
    "GET /clients/client-ada/deliveries": {
      status: 200,
      body: {
        deliveries: [
          { notification_id: "n-1", assignment_id: null, kind: "follow_up", channel: "email", attempt: 1, outcome: "sent", error: null, due_at: "2026-11-02T09:00:00+00:00", attempted_at: "2026-11-02T09:00:00+00:00" },
        ],
      },
    },
    "POST /clients/client-ada/follow-ups": { status: 202, body: { notification_id: "n-2" } },
  });
}

describe("a client's page, told at a glance", () => {
  it("shows adherence, norms and reliable change, a timeline, what is scheduled and delivered, and sends a follow-up", async () => {
    const calls = clientPageApi();
    const { container } = render(<App initialPath="/clients/client-ada" token={THERAPIST_TOKEN} />);
    expect(await screen.findByRole("heading", { name: "Ada", level: 1 }, FIND)).toBeInTheDocument();

    expect(await screen.findByText("75 %")).toBeInTheDocument();
    expect(screen.getByText("5.5 hours")).toBeInTheDocument();
    expect(await screen.findByText(/PHQ-9 bands: minimal 0–4; more 5–27\. Cutoff 10\./)).toBeInTheDocument();
    expect(screen.getByText(/From 20 to 4; reliable change index -5\.12: a reliable change\./)).toBeInTheDocument();
    expect(screen.getByText("Change since the first score: recovered")).toBeInTheDocument();
    expect(await screen.findByRole("cell", { name: "Reminder" })).toBeInTheDocument();
    expect(screen.getByRole("cell", { name: "Pending" })).toBeInTheDocument();
    expect(await screen.findByRole("cell", { name: "Follow-up message" })).toBeInTheDocument();

    const toggle = await screen.findByRole("button", { name: "Timeline of PHQ-9" });
    await userEvent.click(toggle);
    expect(toggle).toHaveAttribute("aria-expanded", "true");
    const steps = await screen.findAllByRole("listitem");
    await waitFor(() => expect(steps.map((s) => s.textContent)).toEqual(expect.arrayContaining([expect.stringContaining("Risk flag raised")])));
    expect(await seriousViolations(container)).toEqual([]);

    await userEvent.type(screen.getByLabelText("Message to Ada"), "Well done this week.");
    await userEvent.click(screen.getByRole("button", { name: "Send message" }));
    expect(await screen.findByRole("status")).toHaveTextContent("Message sent.");
    const sent = calls.find((c) => c.method === "POST");
    expect(sent?.body).toEqual({ text: "Well done this week." });
    expect(sent?.headers["Idempotency-Key"]).toMatch(/^[0-9a-f-]{36}$/);
  }, 30_000);
});

describe("inviting a client", () => {
  it("invites by email and name from the caseload and shows the one-time link", async () => {
    const calls = fakeApi({
      ...CLIENTS,
      "GET /me/caseload": { status: 200, body: { clients: [] } },
      "POST /invitations": {
        status: 201,
        body: { code: "code-1234567890", account: { account_id: "c-9", username: "cy@example.org", display_name: "Cy" }, expires_at: "2026-12-08T10:00:00+00:00" },
      },
    });
    const { container } = render(<App initialPath="/" token={THERAPIST_TOKEN} />);
    const invite = await screen.findByRole("region", { name: "Invite a client" }, FIND);
    await userEvent.type(within(invite).getByLabelText("Client's email"), "cy@example.org");
    await userEvent.type(within(invite).getByLabelText("Name to show (optional)"), "Cy");
    await userEvent.click(within(invite).getByRole("button", { name: "Invite" }));

    expect(await within(invite).findByRole("status")).toHaveTextContent("Cy is invited.");
    expect(within(invite).getByLabelText("Invitation link")).toHaveValue(`${window.location.origin}/app/invitations/code-1234567890`);
    expect(calls.find((c) => c.method === "POST")?.body).toEqual({ username: "cy@example.org", role: "client", display_name: "Cy" });
    expect(await seriousViolations(container)).toEqual([]);
  }, 30_000);
});
