import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { App } from "../App";
import { fakeApi } from "../test/fakeApi";
import { EMPTY_STATE, draftOf, itemErrors, newItem, otherErrors, stateOf, type Draft } from "./builder";
import { tokenFor, seriousViolations } from "../test/support";

const THERAPIST_TOKEN = tokenFor("therapist");

afterEach(() => vi.unstubAllGlobals());

describe("the builder's draft", () => {
  it("sends option scores as numbers, a scale's range, and a branch converted by its target's type", () => {
    const mood = { ...newItem("yes_no", []), id: "low", prompt: "Feeling low?" };
    const why = {
      ...newItem("free_text", ["low"]),
      id: "why",
      prompt: "Why?",
      branch: { combinator: "all" as const, conditions: [{ itemId: "low", operator: "equals", value: "yes" }] },
    };
    const scale = { ...newItem("linear_scale", []), id: "sleep", prompt: "Sleep", settings: { min: "1", max: "5", min_label: "" } };
    const draft = draftOf({ ...EMPTY_STATE, title: "Check-in", measure: "mood", items: [mood, why, scale] });
    expect(draft).toEqual({
      measure: "mood",
      title: "Check-in",
      instructions: "",
      items: [
        { id: "low", type: "yes_no", prompt: "Feeling low?" },
        { id: "why", type: "free_text", prompt: "Why?", show_if: { all: [{ item_id: "low", operator: "equals", value: true }] } },
        { id: "sleep", type: "linear_scale", prompt: "Sleep", min: 1, max: 5 },
      ],
    });
  });

  it("keeps what the editor does not edit (a library copy's scoring, other item types) unchanged", () => {
    const stored: Draft = {
      title: "PHQ-2",
      scoring: { total: { items: ["q1"] } },
      items: [
        { id: "q1", type: "single_choice", prompt: "Interest", required: true, options: [{ value: "0", label: "Not at all", score: 0 }, { value: "1", label: "Several days", score: 1 }] },
        { id: "n", type: "number", prompt: "Hours", min: 0, max: 24, unit: "h", show_if: { all: [{ item_id: "q1", operator: "answered" }] } },
      ],
    };
    expect(draftOf(stateOf(stored))).toEqual({ ...stored, instructions: "" });
  });

  it("round-trips every item type, pages, option codes, scoring with bands, cutoff, subscales and risk rules", () => {
    const stored: Draft = {
      title: "Everything for {{client.first_name}}",
      instructions: "",
      measure: "ALL",
      tags: ["check-in"],
      items: [
        { id: "h", type: "heading", prompt: "Start" },
        { id: "t", type: "display_text", prompt: "Read this." },
        { id: "m", type: "media", prompt: "Look", media: { kind: "image", url: "/media/x.png", alt: "A lake" } },
        { id: "f", type: "free_text", prompt: "Free", max_length: 200, required: false },
        { id: "l", type: "long_text", prompt: "Long" },
        { id: "s", type: "single_choice", prompt: "One", options: [{ value: "0", label: "No", score: 0, system: "urn:x" }, { value: "1", label: "Yes", score: 1 }], link_id: "/s" },
        { id: "mc", type: "multiple_choice", prompt: "Many", options: [{ value: "a", label: "A" }, { value: "b", label: "B" }], max_selections: 1 },
        { id: "ls", type: "linear_scale", prompt: "Scale", min: 1, max: 5, step: 2, min_label: "Low", max_label: "High" },
        { id: "v", type: "visual_analogue_scale", prompt: "Slide", min: 0, max: 10, decimals: 1 },
        { id: "n", type: "number", prompt: "Hours", min: 0, max: 24.5, decimals: 1, unit: "h" },
        { id: "d", type: "date", prompt: "When", show_if: { any: [{ item_id: "s", operator: "equals", value: "1" }, { item_id: "n", operator: "greater_than", value: 3 }] } },
        { id: "tm", type: "time", prompt: "What time" },
        { id: "y", type: "yes_no", prompt: "Yes?" },
        { id: "p", type: "timed_practice", prompt: "Breathe", duration_seconds: 300, media: { kind: "audio", url: "/media/a.mp3" } },
      ],
      pages: [
        { id: "one", title: "First", item_ids: ["h", "t", "m", "f", "l", "s", "mc"] },
        { id: "two", item_ids: ["ls", "v", "n", "d", "tm", "y", "p"], show_if: { all: [{ item_id: "y", operator: "answered" }] } },
      ],
      scoring: {
        total: { items: ["s", "ls"], method: "mean", reverse: ["ls"], multiplier: 4, bands: [{ min: 0, max: 4, label: "low" }, { min: 5, max: 20, label: "high" }], cutoff: 5 },
        subscales: { one: { items: ["s"] } },
        risk_rules: [{ id: "r1", item_id: "y", operator: "equals", value: true, message: "Call them." }],
      },
    };
    expect(draftOf(stateOf(stored))).toEqual(stored);
  });

  it("makes pages from the items that start one, the first page even when its item does not, a page shown by a condition", () => {
    const a = { ...newItem("yes_no", []), id: "a", prompt: "A" };
    const branch = { combinator: "all" as const, conditions: [{ itemId: "a", operator: "equals", value: "no" }] };
    const b = { ...newItem("yes_no", []), id: "b", prompt: "B", page: { id: "page-b", title: "Second", branch, kept: {} } };
    const draft = draftOf({ ...EMPTY_STATE, title: "Two pages", items: [a, b] });
    expect(draft.pages).toEqual([
      { id: "page-1", item_ids: ["a"] },
      { id: "page-b", title: "Second", show_if: { all: [{ item_id: "a", operator: "equals", value: false }] }, item_ids: ["b"] },
    ]);
    expect(stateOf(draft).items[1].page?.branch).toEqual(branch);
  });

  it("sends a total with bands and cutoff, and risk rules converted by their item's type", () => {
    const q = { ...newItem("single_choice", []), id: "q", prompt: "Q" };
    const y = { ...newItem("yes_no", []), id: "y", prompt: "Y" };
    const draft = draftOf({
      ...EMPTY_STATE,
      title: "Scored",
      items: [q, y],
      scoring: {
        ...EMPTY_STATE.scoring,
        total: true,
        items: ["q", "y"],
        bands: [{ min: "0", max: "1", label: "low" }, { min: "2", max: "2", label: "high" }],
        cutoff: "2",
        riskRules: [{ id: "risk-1", condition: { itemId: "y", operator: "equals", value: "yes" }, message: "Check in." }],
      },
    });
    expect(draft.scoring).toEqual({
      total: { items: ["q", "y"], bands: [{ min: 0, max: 1, label: "low" }, { min: 2, max: 2, label: "high" }], cutoff: 2 },
      risk_rules: [{ id: "risk-1", item_id: "y", operator: "equals", value: true, message: "Check in." }],
    });
  });

  it("reads a 422's item errors by index", () => {
    expect(otherErrors({ scoring: { total: { bands: ["Bands overlap."] } }, items: {} })).toEqual(["scoring.total.bands: Bands overlap."]);
    expect(itemErrors({ items: { "1": { options: ["A single choice needs at least two options."] } } })).toEqual({
      1: ["options: A single choice needs at least two options."],
    });
    expect(itemErrors({ title: ["Missing."] })).toEqual({});
  });
});

// Typing through a whole activity takes a while on a shared CPU.
const SLOW = 30_000;

describe("the activity editor", () => {
  it("adds items by type, branches on an earlier item, previews with the client's components, and saves the draft", async () => {
    const calls = fakeApi({
      "POST /activities": { status: 201, body: { activity_id: "act-1", draft: { title: "x", items: [] }, latest_version: null } },
      "PUT /activities/act-1/draft": { status: 200, body: {} },
      "POST /activities/act-1/publish": { status: 201, body: { version: 1 } },
      "GET /activities?limit=100": { status: 200, body: { activities: [] } },
    });
    const { container } = render(<App initialPath="/activities/new" token={THERAPIST_TOKEN} />);

    await userEvent.type(await screen.findByLabelText("Title", {}, { timeout: 10_000 }), "Evening check-in");
    await userEvent.selectOptions(screen.getByLabelText("Type of the new item"), "yes_no");
    await userEvent.click(screen.getByRole("button", { name: "Add item" }));
    await userEvent.type(screen.getByLabelText("Prompt of item 1"), "Did you feel low today?");
    await userEvent.selectOptions(screen.getByLabelText("Type of the new item"), "single_choice");
    await userEvent.click(screen.getByRole("button", { name: "Add item" }));
    const second = screen.getByRole("group", { name: "Item 2: Single choice" });
    await userEvent.type(within(second).getByLabelText("Prompt of item 2"), "How low?");
    await userEvent.type(within(second).getByLabelText("Option 1"), "A little");
    await userEvent.type(within(second).getByLabelText("Option 2"), "A lot");
    await userEvent.clear(within(second).getByLabelText("Score of option 2"));
    await userEvent.type(within(second).getByLabelText("Score of option 2"), "3");
    await userEvent.selectOptions(within(second).getByLabelText("Show only if"), "Item 1: Did you feel low today?");
    expect(within(second).getByLabelText("Answer")).toHaveValue("yes");

    const preview = screen.getByRole("region", { name: "Preview: as the client will see it" });
    expect(within(preview).queryByRole("group", { name: "How low?" })).not.toBeInTheDocument();
    await userEvent.click(within(preview).getByRole("radio", { name: "Yes" }));
    expect(within(preview).getByRole("group", { name: "How low?" })).toBeInTheDocument();
    expect(await seriousViolations(container)).toEqual([]);

    await userEvent.click(screen.getByRole("button", { name: "Save" }));
    expect(await screen.findByRole("status")).toHaveTextContent("Draft saved.");
    expect(calls.find((c) => c.method === "POST" && c.path === "/activities")?.body).toEqual({
      title: "Evening check-in",
      instructions: "",
      items: [
        { id: "yes-no-1", type: "yes_no", prompt: "Did you feel low today?" },
        {
          id: "single-choice-1",
          type: "single_choice",
          prompt: "How low?",
          options: [{ value: "a", label: "A little", score: 0 }, { value: "b", label: "A lot", score: 3 }],
          show_if: { all: [{ item_id: "yes-no-1", operator: "equals", value: true }] },
        },
      ],
    });

    await userEvent.click(screen.getByRole("button", { name: "Publish" }));
    expect(await screen.findByText("Published as version 1.")).toBeInTheDocument();
    expect(calls.some((c) => c.method === "PUT" && c.path === "/activities/act-1/draft")).toBe(true);
  }, SLOW);

  it("shows the gateway's 422 at the item it names", async () => {
    fakeApi({
      "POST /activities": {
        status: 422,
        body: { detail: "The draft is not valid.", errors: { items: { "0": { max: ["max must be greater than min."] } } } },
      },
    });
    render(<App initialPath="/activities/new" token={THERAPIST_TOKEN} />);
    await userEvent.type(await screen.findByLabelText("Title", {}, { timeout: 10_000 }), "Scale");
    await userEvent.selectOptions(screen.getByLabelText("Type of the new item"), "linear_scale");
    await userEvent.click(screen.getByRole("button", { name: "Add item" }));
    await userEvent.type(screen.getByLabelText("Prompt of item 1"), "Mood");
    await userEvent.clear(screen.getByLabelText("Highest point"));
    await userEvent.type(screen.getByLabelText("Highest point"), "0");
    await userEvent.click(screen.getByRole("button", { name: "Save" }));

    const item = screen.getByRole("group", { name: "Item 1: Linear scale" });
    await waitFor(() => expect(item).toHaveAccessibleDescription("max: max must be greater than min."));
    expect(item).toHaveAttribute("aria-invalid", "true");
    expect(screen.getByRole("alert")).toHaveTextContent("The draft is not valid.");
  });
});

describe("the activities list", () => {
  it("lists drafts and published activities, and copies a library entry into the editor", async () => {
    const calls = fakeApi({
      "GET /activities?limit=100": {
        status: 200,
        body: { activities: [{ activity_id: "act-1", draft: { title: "Evening check-in" }, latest_version: 2, archived: false }] },
      },
      "GET /library": { status: 200, body: { entries: [{ slug: "phq-9", title: "PHQ-9", summary: "Depression", item_count: 9 }] } },
      "POST /library/phq-9/copy": { status: 201, body: { activity_id: "act-9", draft: { title: "PHQ-9", items: [] }, latest_version: null } },
      "GET /activities/act-9": {
        status: 200,
        body: { activity_id: "act-9", draft: { title: "PHQ-9", items: [{ id: "q1", type: "yes_no", prompt: "Q1" }] }, latest_version: null },
      },
    });
    const { container } = render(<App initialPath="/activities" token={THERAPIST_TOKEN} />);
    expect(await screen.findByRole("heading", { name: "Activities" })).toBeInTheDocument();
    expect(await screen.findByText("Published, version 2")).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "New activity" })).toHaveAttribute("href", "/activities/new");
    await userEvent.click(await screen.findByRole("button", { name: "Copy PHQ-9" }));
    expect(await screen.findByLabelText("Title", {}, { timeout: 10_000 })).toHaveValue("PHQ-9");
    expect(screen.getByLabelText("Prompt of item 1")).toHaveValue("Q1");
    expect(calls.some((c) => c.method === "POST" && c.path === "/library/phq-9/copy")).toBe(true);
    expect(await seriousViolations(container)).toEqual([]);
  });
});
