import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { App } from "../App";
import { fakeApi } from "../test/fakeApi";
import { tokenFor, seriousViolations } from "../test/support";

const THERAPIST_TOKEN = tokenFor("therapist");
const FIND = { timeout: 10_000 };

afterEach(() => vi.unstubAllGlobals());

const COMMON = {
  "GET /clients?limit=100": {
    status: 200,
    body: {
      clients: [
        { account_id: "client-ada", display_name: "Ada", username: "ada@demo.client" },
        { account_id: "client-bo", display_name: "Bo", username: "bo@demo.client" },
      ],
    },
  },
  "GET /activities?limit=100": {
    status: 200,
    body: { activities: [{ activity_id: "act-1", draft: { title: "Sleep diary" }, latest_version: 1, archived: false }] },
  },
};

const PATHWAY = {
  pathway_id: "p-1",
  name: "Sleep programme",
  steps: [
    { activity_id: "act-1", title: "Sleep diary", release: { type: "immediately" }, due_after_hours: null },
    { activity_id: "act-1", title: "Sleep diary", release: { type: "days_after_enrolment", days: 7 }, due_after_hours: 48 },
  ],
};

describe("pathways", () => {
  it("lists pathways with their release rules in words, enrols a client, and creates a pathway", async () => {
    const calls = fakeApi({
      ...COMMON,
      "GET /pathways": { status: 200, body: { pathways: [PATHWAY] } },
      "GET /pathways/p-1/enrolments": {
        status: 200,
        body: { enrolments: [{ enrolment_id: "e-1", client_id: "client-bo", status: "active", steps: [{ step: 0, title: "Sleep diary", status: "released" }, { step: 1, title: "Sleep diary", status: "scheduled" }] }] },
      },
      "POST /pathways/p-1/enrolments": { status: 201, body: {} },
      "POST /enrolments/e-1/pause": { status: 200, body: {} },
      "POST /pathways": { status: 201, body: PATHWAY },
    });
    const { container } = render(<App initialPath="/pathways" token={THERAPIST_TOKEN} />);
    const card = await screen.findByRole("region", { name: "Sleep programme" }, FIND);
    const steps = within(card).getByRole("table", { name: "Steps of Sleep programme" });
    expect(within(steps).getByText("at enrolment")).toBeInTheDocument();
    expect(within(steps).getByText("7 days after enrolment")).toBeInTheDocument();
    expect(within(steps).getByText("48 hours")).toBeInTheDocument();
    expect(await within(card).findByText("Bo: active — 1. released, 2. scheduled")).toBeInTheDocument();

    await userEvent.click(within(card).getByRole("button", { name: "Pause Bo" }));
    expect(await within(card).findByRole("status")).toHaveTextContent("Bo is paused.");
    expect(within(card).getByRole("button", { name: "End Bo's enrolment" })).toBeInTheDocument();

    await userEvent.selectOptions(within(card).getByLabelText("Enrol a client on Sleep programme"), "client-ada");
    await userEvent.click(within(card).getByRole("button", { name: "Enrol" }));
    expect(await within(card).findByRole("status")).toHaveTextContent("Ada was enrolled.");
    expect(calls.find((c) => c.path === "/pathways/p-1/enrolments" && c.method === "POST")?.body).toEqual({ client_id: "client-ada" });

    const form = screen.getByRole("region", { name: "New pathway" });
    await userEvent.type(within(form).getByLabelText("Name of the pathway"), "Two weeks");
    await userEvent.selectOptions(within(form).getByLabelText("Step 1: activity"), "act-1");
    await userEvent.click(within(form).getByRole("button", { name: "Add step" }));
    await userEvent.selectOptions(within(form).getByLabelText("Step 2: activity"), "act-1");
    await userEvent.selectOptions(within(form).getByLabelText("Step 2: released"), "interval");
    await userEvent.type(within(form).getByLabelText("Step 2: how many days"), "7");
    await userEvent.type(within(form).getByLabelText("Step 2: due after how many hours (optional)"), "24");
    expect(await seriousViolations(container)).toEqual([]);
    await userEvent.click(within(form).getByRole("button", { name: "Create pathway" }));

    expect(await within(form).findByRole("status")).toHaveTextContent("Pathway Two weeks created.");
    expect(calls.find((c) => c.path === "/pathways" && c.method === "POST")?.body).toEqual({
      name: "Two weeks",
      steps: [
        { activity_id: "act-1", release: { type: "immediately" } },
        { activity_id: "act-1", release: { type: "interval", days: 7 }, due_after_hours: 24 },
      ],
    });
  }, 30_000);
});

describe("groups", () => {
  it("shows members and what the group received, adds a late joiner from today, sends an activity and a pathway", async () => {
    const calls = fakeApi({
      ...COMMON,
      "GET /pathways": { status: 200, body: { pathways: [PATHWAY] } },
      "GET /groups": {
        status: 200,
        body: { groups: [{ group_id: "g-1", name: "Tuesday group", members: ["client-ada"], programmes: [{ programme_id: "pr-1", kind: "activity", started_at: null, title: "Sleep diary" }] }] },
      },
      "POST /groups/g-1/members": { status: 200, body: {} },
      "POST /groups/g-1/assignments": { status: 201, body: {} },
      "POST /groups/g-1/pathways": { status: 201, body: {} },
      "DELETE /groups/g-1/members/client-ada": { status: 200, body: {} },
    });
    const { container } = render(<App initialPath="/groups" token={THERAPIST_TOKEN} />);
    const card = await screen.findByRole("region", { name: "Tuesday group" }, FIND);
    expect(within(card).getByText("Activity: Sleep diary")).toBeInTheDocument();
    expect(await seriousViolations(container)).toEqual([]);

    await userEvent.selectOptions(within(card).getByLabelText("Add a client to Tuesday group"), "client-bo");
    await userEvent.selectOptions(within(card).getByLabelText("They receive"), "from_today");
    await userEvent.click(within(card).getByRole("button", { name: "Add" }));
    expect(await within(card).findByRole("status")).toHaveTextContent("Bo joined Tuesday group.");
    expect(calls.find((c) => c.path === "/groups/g-1/members")?.body).toEqual({ client_id: "client-bo", joining: "from_today" });

    await userEvent.selectOptions(within(card).getByLabelText("Activity for Tuesday group"), "act-1");
    await userEvent.click(within(card).getByRole("button", { name: "Assign to Tuesday group" }));
    expect(await within(card).findByText("Sent to every member of Tuesday group.")).toBeInTheDocument();
    expect(calls.find((c) => c.path === "/groups/g-1/assignments")?.body).toEqual({ activity_id: "act-1" });

    await userEvent.selectOptions(within(card).getByLabelText("Pathway for Tuesday group"), "p-1");
    await userEvent.click(within(card).getByRole("button", { name: "Enrol Tuesday group" }));
    expect(await within(card).findByText("Every member of Tuesday group was enrolled.")).toBeInTheDocument();

    await userEvent.click(within(card).getByRole("button", { name: "Remove Ada from Tuesday group" }));
    expect(await within(card).findByText("Ada left Tuesday group.")).toBeInTheDocument();
    expect(calls.some((c) => c.method === "DELETE" && c.path === "/groups/g-1/members/client-ada")).toBe(true);
  }, 30_000);
});
