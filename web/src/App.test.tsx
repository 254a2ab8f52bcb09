import { fireEvent, render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { RenderedActivity } from "./api";
import { App } from "./App";
import { fakeApi } from "./test/fakeApi";
import { seriousViolations } from "./test/support";

const ASSIGNMENT = "11111111-2222-3333-4444-555555555555";
const past = new Date(Date.now() - 86_400_000).toISOString();
const future = new Date(Date.now() + 86_400_000).toISOString();

const activity: RenderedActivity = {
  assignment_id: ASSIGNMENT,
  title: "Evening check-in",
  instructions: "Take a minute.",
  status: "open",
  due_at: future,
  pages: [
    {
      id: "p1",
      items: [
        { id: "intro", type: "heading", prompt: "How was today", answerable: false },
        { id: "mood", type: "linear_scale", prompt: "Mood today?", answerable: true, min: 0, max: 4 },
        { id: "slept", type: "yes_no", prompt: "Did you sleep well?", answerable: true },
      ],
    },
    {
      id: "p2",
      show_if: { all: [{ item_id: "slept", operator: "equals", value: false }] },
      items: [
        {
          id: "why",
          type: "single_choice",
          prompt: "What kept you up?",
          answerable: true,
          options: [
            { value: "noise", label: "Noise" },
            { value: "worry", label: "Worry" },
          ],
        },
      ],
    },
    {
      id: "p3",
      items: [
        { id: "note", type: "free_text", prompt: "Anything else?", answerable: true, required: false },
        { id: "when", type: "date", prompt: "When did it start?", answerable: true },
        { id: "pain", type: "visual_analogue_scale", prompt: "Pain", answerable: true, min: 0, max: 100 },
        { id: "feel", type: "multiple_choice", prompt: "Feelings", answerable: true, options: [{ value: "calm", label: "Calm" }] },
        { id: "cups", type: "number", prompt: "Cups of coffee", answerable: true, unit: "cups" },
        { id: "bed", type: "time", prompt: "Bedtime", answerable: true },
        { id: "diary", type: "long_text", prompt: "Diary", answerable: true },
      ],
    },
  ],
};

afterEach(() => vi.unstubAllGlobals());

describe("signing in", () => {
  it("signs in with Email and Password and shows the to-do list, overdue marked", async () => {
    const calls = fakeApi({
      "POST /auth/token": { status: 200, body: { access_token: "tok", refresh_token: "ref", expires_in: 900 } },
      "GET /me/todo?limit=100": {
        status: 200,
        body: {
          assignments: [
            { assignment_id: "a", title: "Late one", status: "open", due_at: past },
            { assignment_id: "b", title: "Later one", status: "open", due_at: future },
          ],
        },
      },
      "DELETE /auth/refresh": { status: 204 },
    });
    const user = userEvent.setup();
    const { container } = render(<App initialPath="/" />);
    expect(await seriousViolations(container)).toEqual([]);

    await user.type(screen.getByLabelText("Email"), "ada@demo.client");
    await user.type(screen.getByLabelText("Password"), "client-demo-pass");
    await user.click(screen.getByRole("button", { name: "Sign in" }));

    expect(await screen.findByRole("heading", { name: "To do" })).toBeInTheDocument();
    const late = (await screen.findByRole("link", { name: "Late one" })).closest("li")!;
    expect(within(late).getByText("Overdue")).toBeInTheDocument();
    const later = screen.getByRole("link", { name: "Later one" }).closest("li")!;
    expect(within(later).queryByText("Overdue")).toBeNull();
    expect(calls.find((c) => c.path === "/me/todo?limit=100")?.headers.Authorization).toBe("Bearer tok");
    expect(await seriousViolations(container)).toEqual([]);

    await user.click(screen.getByRole("button", { name: "Sign out" }));
    expect(await screen.findByRole("button", { name: "Sign in" })).toBeInTheDocument();
    // A browser session: its refresh token is the gateway's HttpOnly cookie, revoked by DELETE /auth/refresh.
    expect(calls.find((c) => c.path === "/auth/token")?.headers["X-Interlude-Session"]).toBe("cookie");
    expect(calls.at(-1)).toMatchObject({ method: "DELETE", path: "/auth/refresh", headers: { "X-Interlude-Session": "cookie" } });
  });

  it("says when the details did not work", async () => {
    fakeApi({ "POST /auth/token": { status: 401, body: { detail: "Wrong" } } });
    const user = userEvent.setup();
    render(<App initialPath="/" />);
    await user.type(screen.getByLabelText("Email"), "x@y.z");
    await user.type(screen.getByLabelText("Password"), "nope");
    await user.click(screen.getByRole("button", { name: "Sign in" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("did not work");
  });
});

describe("answering", () => {
  function gateway(submit: (attempt: number) => { status: number; body?: unknown }) {
    let attempts = 0;
    return fakeApi({
      [`GET /assignments/${ASSIGNMENT}/render`]: { status: 200, body: activity },
      [`POST /assignments/${ASSIGNMENT}/open`]: { status: 200, body: {} },
      [`POST /assignments/${ASSIGNMENT}/responses`]: () => submit(++attempts),
      "GET /me/todo?limit=100": { status: 200, body: { assignments: [] } },
    });
  }

  async function answerFirstPage(user: ReturnType<typeof userEvent.setup>, slept: "Yes" | "No") {
    await screen.findByRole("heading", { name: "Evening check-in" });
    await user.click(within(screen.getByRole("group", { name: "Mood today?" })).getByLabelText("3"));
    await user.click(within(screen.getByRole("group", { name: "Did you sleep well?" })).getByLabelText(slept));
  }

  it("records the opening, branches live, keeps answers in a draft and submits once with an idempotency key", async () => {
    const calls = gateway(() => ({ status: 201, body: {} }));
    const user = userEvent.setup();
    const { container } = render(<App initialPath={`/assignments/${ASSIGNMENT}`} token="tok" />);
    await answerFirstPage(user, "No");
    expect(calls.some((c) => c.method === "POST" && c.path.endsWith("/open"))).toBe(true);
    expect(screen.getByText("Page 1 of 3")).toBeInTheDocument();
    expect(await seriousViolations(container)).toEqual([]);

    // Yes hides the second page; No brings it back.
    await user.click(screen.getByLabelText("Yes"));
    expect(screen.getByText("Page 1 of 2")).toBeInTheDocument();
    await user.click(screen.getByLabelText("No"));
    await user.click(screen.getByRole("button", { name: "Next" }));
    await user.click(within(screen.getByRole("group", { name: "What kept you up?" })).getByLabelText("Worry"));
    await user.click(screen.getByRole("button", { name: "Next" }));

    const stored = JSON.parse(localStorage.getItem(`interlude.draft.${ASSIGNMENT}`)!);
    expect(stored.answers).toEqual({ mood: 3, slept: false, why: "worry" });
    expect(stored.page).toBe(2);

    await user.type(screen.getByLabelText("When did it start?"), "2024-05-01");
    await user.click(within(screen.getByRole("group", { name: "Feelings" })).getByLabelText("Calm"));
    await user.type(screen.getByLabelText("Cups of coffee"), "2");
    await user.type(screen.getByLabelText("Bedtime"), "23:30");
    await user.type(screen.getByLabelText("Diary"), "Long day");
    fireEvent.change(screen.getByLabelText("Pain"), { target: { value: "60" } });
    expect(await seriousViolations(container)).toEqual([]);

    await user.click(screen.getByRole("button", { name: "Submit" }));
    expect(await screen.findByRole("heading", { name: "To do" })).toBeInTheDocument();
    const submitted = calls.filter((c) => c.path.endsWith("/responses"));
    expect(submitted).toHaveLength(1);
    expect(submitted[0].headers["Idempotency-Key"]).toBe(stored.idempotencyKey);
    expect(submitted[0].body).toMatchObject({
      answers: { mood: 3, slept: false, why: "worry", when: "2024-05-01", feel: ["calm"], pain: 60, cups: 2, bed: "23:30", diary: "Long day" },
    });
    expect(localStorage.getItem(`interlude.draft.${ASSIGNMENT}`)).toBeNull();
  });

  it("resumes a draft and shows the gateway's 422 at the item", async () => {
    localStorage.setItem(
      `interlude.draft.${ASSIGNMENT}`,
      JSON.stringify({ answers: { mood: 3, slept: true }, page: 1, idempotencyKey: "key-1" }),
    );
    const calls = gateway(() => ({
      status: 422,
      body: { detail: "The answers are not valid.", errors: { answers: { cups: ["Out of range: must be between 0 and 9."] } } },
    }));
    const user = userEvent.setup();
    render(<App initialPath={`/assignments/${ASSIGNMENT}`} token="tok" />);
    expect(await screen.findByText("Page 2 of 2")).toBeInTheDocument();
    await user.type(screen.getByLabelText("When did it start?"), "2024-05-01");
    await user.click(screen.getByLabelText("Calm"));
    await user.type(screen.getByLabelText("Cups of coffee"), "99");
    await user.type(screen.getByLabelText("Bedtime"), "23:30");
    await user.type(screen.getByLabelText("Diary"), "x");
    fireEvent.change(screen.getByLabelText("Pain"), { target: { value: "20" } });
    await user.click(screen.getByRole("button", { name: "Submit" }));

    expect(await screen.findByText("Out of range: must be between 0 and 9.")).toBeInTheDocument();
    expect(screen.getByLabelText("Cups of coffee")).toHaveAttribute("aria-invalid", "true");
    expect(calls.find((c) => c.path.endsWith("/responses"))?.headers["Idempotency-Key"]).toBe("key-1");
  });

  it("asks for a required answer before going on", async () => {
    gateway(() => ({ status: 201 }));
    const user = userEvent.setup();
    render(<App initialPath={`/assignments/${ASSIGNMENT}`} token="tok" />);
    await screen.findByRole("heading", { name: "Evening check-in" });
    await user.click(screen.getByRole("button", { name: "Next" }));
    expect(screen.getAllByText("Answer required.")).toHaveLength(2);
    expect(screen.getByText("Page 1 of 2")).toBeInTheDocument();
  });
});
