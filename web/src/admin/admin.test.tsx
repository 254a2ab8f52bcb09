import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { App } from "../App";
import { fakeApi } from "../test/fakeApi";
import { adminEn, adminEs } from "./messages";
import { seriousViolations } from "../test/support";

const ADMIN_TOKEN = `eyJhbGciOiJIUzI1NiJ9.${btoa(JSON.stringify({ sub: "admin-demo", role: "clinic_admin" })).replace(/=+$/, "")}.signature`;
const CLIENTS = { "GET /clients?limit=100": { status: 200, body: { clients: [{ account_id: "client-ada", display_name: "Ada", username: "ada@demo.client" }] } } };

function keys(catalog: object, prefix = ""): string[] {
  return Object.entries(catalog).flatMap(([key, value]) => (typeof value === "object" ? keys(value, `${prefix}${key}.`) : [`${prefix}${key}`]));
}

afterEach(() => vi.unstubAllGlobals());

describe("a clinic admin", () => {
  it("has every message in Spanish too", () => {
    expect(keys(adminEs).sort()).toEqual(keys(adminEn).sort());
  });

  it("invites a therapist and is shown the invitation link once", async () => {
    const calls = fakeApi({ "POST /invitations": { status: 201, body: { code: "the-code-0123456789", account: {} } } });
    const user = userEvent.setup();
    const { container } = render(<App initialPath="/" token={ADMIN_TOKEN} />);

    await user.type(await screen.findByLabelText("Email"), "new@demo.clinic");
    await user.selectOptions(screen.getByLabelText("Role"), "Analyst");
    await user.click(screen.getByRole("button", { name: "Invite" }));

    expect(await screen.findByRole("status")).toHaveTextContent("/app/invitations/the-code-0123456789");
    expect(calls.find((c) => c.method === "POST")?.body).toEqual({ username: "new@demo.clinic", role: "analyst", display_name: null });
    expect(await seriousViolations(container)).toEqual([]);
  });

  it("filters the audit trail by client (on the server) and by action", async () => {
    const entry = (id: number, action: string) => ({ entry_id: id, at: "2026-11-01T10:00:00+00:00", actor_id: "therapist-1", actor_role: "therapist", action, client_id: "client-ada", resource: null });
    const calls = fakeApi({
      ...CLIENTS,
      "GET /audit?limit=100": { status: 200, body: { entries: [entry(1, "read_report"), entry(2, "export")] } },
      "GET /audit?limit=100&client_id=client-ada": { status: 200, body: { entries: [entry(1, "read_report"), entry(2, "export")] } },
    });
    const user = userEvent.setup();
    const { container } = render(<App initialPath="/audit" token={ADMIN_TOKEN} />);
    const table = await screen.findByRole("table", { name: "Audit trail" });
    expect(within(table).getAllByRole("row")).toHaveLength(3);

    await user.selectOptions(screen.getByLabelText("Client"), "Ada");
    await waitFor(() => expect(calls.some((c) => c.path === "/audit?limit=100&client_id=client-ada")).toBe(true));
    await user.selectOptions(screen.getByLabelText("Action"), "export");

    const rows = within(screen.getByRole("table", { name: "Audit trail" })).getAllByRole("row");
    expect(rows).toHaveLength(2);
    expect(rows[1]).toHaveTextContent("export");
    expect(rows[1]).toHaveTextContent("Ada");
    expect(await seriousViolations(container)).toEqual([]);
  });

  it("erases a client only after a confirmation that names what is destroyed", async () => {
    const calls = fakeApi({
      ...CLIENTS,
      "GET /clients/client-ada/assignments?limit=100": { status: 200, body: { assignments: [{}, {}, {}], total: 3 } },
      "GET /clients/client-ada/notifications?limit=100": { status: 200, body: { notifications: [{}], total: 1 } },
      "DELETE /clients/client-ada": { status: 204 },
    });
    const user = userEvent.setup();
    const { container } = render(<App initialPath="/clients" token={ADMIN_TOKEN} />);

    await user.click(await screen.findByRole("button", { name: "Erase Ada" }));
    const confirmation = await screen.findByRole("form", { name: "Erase Ada for good?" });
    expect(await within(confirmation).findByText("3 assignments with their answers and scores;")).toBeInTheDocument();
    expect(within(confirmation).getByText("1 notification and their reminder preferences;")).toBeInTheDocument();
    const erase = within(confirmation).getByRole("button", { name: "Erase for good" });
    expect(erase).toBeDisabled();
    expect(await seriousViolations(container)).toEqual([]);

    await user.click(within(confirmation).getByLabelText("I understand that Ada's data cannot be recovered"));
    await user.click(erase);

    expect(await screen.findByRole("status")).toHaveTextContent("Ada was erased.");
    expect(calls.filter((c) => c.method === "DELETE").map((c) => c.path)).toEqual(["/clients/client-ada"]);
  });

  it("sets the clinic's reminder defaults", async () => {
    const calls = fakeApi({
      "GET /clinic/reminder-defaults": { status: 200, body: { reminders: [{ anchor: "release", offset_minutes: 1440 }] } },
      "PUT /clinic/reminder-defaults": (call) => ({ status: 200, body: call.body }),
    });
    const user = userEvent.setup();
    const { container } = render(<App initialPath="/reminders" token={ADMIN_TOKEN} />);

    const first = await screen.findByRole("group", { name: "Reminder 1" });
    expect(within(first).getByLabelText("Hours after (negative: before)")).toHaveValue(24);
    await user.click(screen.getByRole("button", { name: "Add a reminder" }));
    const second = screen.getByRole("group", { name: "Reminder 2" });
    fireEvent.change(within(second).getByLabelText("Hours after (negative: before)"), { target: { value: "-3" } });
    expect(await seriousViolations(container)).toEqual([]);
    await user.click(screen.getByRole("button", { name: "Save" }));

    expect(await screen.findByRole("status")).toHaveTextContent("Saved.");
    expect(calls.find((c) => c.method === "PUT")?.body).toEqual({
      reminders: [{ anchor: "release", offset_minutes: 1440 }, { anchor: "due", offset_minutes: -180 }],
    });
  });
});
