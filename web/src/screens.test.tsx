import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { App } from "./App";
import { enqueue, queued } from "./outbox";
import { fakeApi } from "./test/fakeApi";
import { seriousViolations } from "./test/support";

const TODO = { "GET /me/todo?limit=100": { status: 200, body: { assignments: [] } } };

afterEach(() => vi.unstubAllGlobals());

describe("a browser session", () => {
  it("is restored after a reload from the refresh cookie, sending the CSRF header", async () => {
    const calls = fakeApi({ "POST /auth/refresh": { status: 200, body: { access_token: "restored", expires_in: 900 } }, ...TODO });

    render(<App initialPath="/" restore />);

    expect(await screen.findByRole("heading", { name: "To do" })).toBeInTheDocument();
    expect(calls[0]).toMatchObject({ method: "POST", path: "/auth/refresh", headers: { "X-Interlude-Session": "cookie" } });
    await waitFor(() => expect(calls.find((c) => c.path.startsWith("/me/todo"))?.headers.Authorization).toBe("Bearer restored"));
  });

  it("shows the sign-in form when there is no cookie to restore from", async () => {
    fakeApi({ "POST /auth/refresh": { status: 401, body: { detail: "No refresh cookie" } } });

    render(<App initialPath="/" restore />);

    expect(await screen.findByRole("button", { name: "Sign in" })).toBeInTheDocument();
  });

  it("renews an expired access token from the cookie once and retries", async () => {
    let todoCalls = 0;
    const calls = fakeApi({
      "POST /auth/refresh": { status: 200, body: { access_token: "fresh", expires_in: 900 } },
      "GET /me/todo?limit=100": () => (++todoCalls === 1 ? { status: 401, body: { detail: "expired" } } : { status: 200, body: { assignments: [] } }),
    });

    render(<App initialPath="/" token="stale" />);

    expect(await screen.findByText("Nothing to do right now.")).toBeInTheDocument();
    const [first, ...retried] = calls.filter((c) => c.path.startsWith("/me/todo")).map((c) => c.headers.Authorization);
    expect(first).toBe("Bearer stale");
    expect(new Set(retried)).toEqual(new Set(["Bearer fresh"]));
    expect(calls.filter((c) => c.path === "/auth/refresh")).toHaveLength(1);
  });
});

describe("an invitation link", () => {
  it("lets the invitee choose a password, redeems the code and signs in", async () => {
    const calls = fakeApi({
      "POST /invitations/redeem": { status: 200, body: { username: "new@client.example", role: "client" } },
      "POST /auth/token": { status: 200, body: { access_token: "tok", expires_in: 900 } },
      ...TODO,
    });
    const user = userEvent.setup();
    const { container } = render(<App initialPath="/invitations/the-code-0123456789" />);
    expect(await seriousViolations(container)).toEqual([]);

    await user.type(screen.getByLabelText("New password"), "a-long-password");
    await user.type(screen.getByLabelText("Repeat the password"), "a-long-password");
    await user.click(screen.getByRole("button", { name: "Set password and sign in" }));

    expect(await screen.findByRole("heading", { name: "To do" })).toBeInTheDocument();
    expect(calls.find((c) => c.path === "/invitations/redeem")?.body).toEqual({ code: "the-code-0123456789", password: "a-long-password" });
    expect(calls.find((c) => c.path === "/auth/token")?.body).toEqual({ username: "new@client.example", password: "a-long-password" });
  });

  it("refuses two different passwords before sending anything", async () => {
    const calls = fakeApi({});
    const user = userEvent.setup();
    render(<App initialPath="/invitations/the-code-0123456789" />);

    await user.type(screen.getByLabelText("New password"), "a-long-password");
    await user.type(screen.getByLabelText("Repeat the password"), "another-password");
    await user.click(screen.getByRole("button", { name: "Set password and sign in" }));

    expect(screen.getByRole("alert")).toHaveTextContent("not the same");
    expect(calls).toEqual([]);
  });
});

describe("the client's screens", () => {
  it("lists completed assignments by title and date", async () => {
    fakeApi({
      "GET /me/history?limit=100": {
        status: 200,
        body: { assignments: [{ assignment_id: "a", title: "Sleep diary", assigned_at: "2026-01-01T09:00:00Z", due_at: null, submitted_at: "2026-01-02T09:00:00Z" }] },
      },
    });
    const { container } = render(<App initialPath="/history" token="tok" />);

    expect(await screen.findByText("Sleep diary")).toBeInTheDocument();
    expect(screen.getByRole("heading", { name: "Completed" })).toBeInTheDocument();
    expect(await seriousViolations(container)).toEqual([]);
  });

  it("lists notifications", async () => {
    fakeApi({
      "GET /me/notifications?limit=100": {
        status: 200,
        body: { notifications: [{ notification_id: "n", kind: "reminder", title: "A reminder", body: "Your diary is due.", created_at: "2026-01-02T09:00:00Z" }] },
      },
    });
    const { container } = render(<App initialPath="/notifications" token="tok" />);

    expect(await screen.findByText("Your diary is due.")).toBeInTheDocument();
    expect(await seriousViolations(container)).toEqual([]);
  });

  it("saves preferences from labelled native controls", async () => {
    const calls = fakeApi({
      "GET /me/notification-preferences": {
        status: 200,
        body: { name: null, email: null, push_address: null, channels: ["email", "webhook"], opted_out: false, time_zone: "UTC", quiet_hours: null },
      },
      "PUT /me/notification-preferences": (call) => ({ status: 200, body: call.body }),
    });
    const user = userEvent.setup();
    const { container } = render(<App initialPath="/preferences" token="tok" />);

    const channels = await screen.findByRole("group", { name: "Send my reminders by" });
    await user.click(within(channels).getByLabelText("Text or push message"));
    await user.click(screen.getByLabelText("No reminders during quiet hours"));
    await user.clear(screen.getByLabelText("Quiet from"));
    await user.type(screen.getByLabelText("Quiet from"), "22:00");
    await user.selectOptions(screen.getByLabelText("Time zone"), "Europe/Madrid");
    expect(await seriousViolations(container)).toEqual([]);
    await user.click(screen.getByRole("button", { name: "Save" }));

    expect(await screen.findByRole("status")).toHaveTextContent("Saved.");
    expect(calls.find((c) => c.method === "PUT")?.body).toEqual({
      name: null, email: null, push_address: null, channels: ["email"], opted_out: false, time_zone: "Europe/Madrid",
      quiet_hours: { start: "22:00", end: "08:00" },
    });
  }, 90_000); // about 400 time zones to choose from and axe over them: slow on a loaded machine

  it("downloads the data export as a file", async () => {
    const calls = fakeApi({ "GET /me/export": { status: 200, body: { assignments: [] } } });
    URL.createObjectURL = vi.fn(() => "blob:export");
    URL.revokeObjectURL = vi.fn();
    const clicked = vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(() => undefined);
    const user = userEvent.setup();
    render(<App initialPath="/export" token="tok" />);

    await user.click(screen.getByRole("button", { name: "Download my data" }));

    expect(await screen.findByRole("status")).toHaveTextContent("downloaded");
    expect(calls[0]?.headers.Authorization).toBe("Bearer tok");
    expect(clicked).toHaveBeenCalled();
  });
});

describe("offline", () => {
  it("sends a queued submission when the connection returns, with its Idempotency-Key", async () => {
    enqueue({ assignmentId: "a1", answers: { mood: 2 }, idempotencyKey: "key-1" });
    const online = vi.spyOn(navigator, "onLine", "get").mockReturnValue(false);
    const calls = fakeApi({ ...TODO, "POST /assignments/a1/responses": { status: 201, body: {} } });
    render(<App initialPath="/" token="tok" />);
    await screen.findByRole("heading", { name: "To do" });
    expect(calls.some((c) => c.method === "POST")).toBe(false);

    online.mockReturnValue(true);
    window.dispatchEvent(new Event("online"));

    expect(await screen.findByText("Your answers given offline were sent.")).toBeInTheDocument();
    const sent = calls.filter((c) => c.method === "POST");
    expect(sent).toHaveLength(1);
    expect(sent[0]!.headers["Idempotency-Key"]).toBe("key-1");
    expect(queued()).toEqual([]);
  });
});

describe("opened without a connection", () => {
  it("shows the to-do list the service worker kept, then restores the session when the connection returns", async () => {
    const online = vi.spyOn(navigator, "onLine", "get").mockReturnValue(false);
    let reachable = false;
    let refreshes = 0;
    const unreachable = () => {
      throw new TypeError("Failed to fetch");
    };
    const kept = { status: 200, body: { assignments: [{ assignment_id: "a", title: "Sleep diary", status: "open", due_at: null }] } };
    const calls = fakeApi({
      // The cookie rotates: presented a second time, the gateway ends every session.
      "POST /auth/refresh": () => {
        if (!reachable) return unreachable();
        refreshes += 1;
        return refreshes === 1 ? { status: 200, body: { access_token: "back", expires_in: 900 } } : { status: 401, body: { detail: "reused" } };
      },
      // Offline, the service worker answers from its cache; online, the gateway wants the token.
      "GET /me/todo?limit=100": (call) => (!reachable || call.headers.Authorization ? kept : { status: 401, body: { detail: "no token" } }),
    });
    const { container } = render(<App initialPath="/" restore />);
    window.dispatchEvent(new Event("offline")); // the browser knows: queries must run all the same

    expect(await screen.findByRole("link", { name: "Sleep diary" })).toBeInTheDocument();
    expect(screen.getByRole("status")).toHaveTextContent("You are offline");
    expect(screen.queryByRole("button", { name: "Sign in" })).toBeNull();
    expect(await seriousViolations(container)).toEqual([]);

    reachable = true;
    online.mockReturnValue(true);
    window.dispatchEvent(new Event("online"));

    expect(await screen.findByRole("link", { name: "Completed" })).toBeInTheDocument();
    expect(screen.queryByText(/You are offline/)).toBeNull();
    expect(refreshes).toBe(1); // the restore and the to-do's refetch shared one refresh
    await waitFor(() => expect(calls.filter((c) => c.path.startsWith("/me/todo")).at(-1)?.headers.Authorization).toBe("Bearer back"));
  });

  it("says so when the device keeps no copy", async () => {
    vi.spyOn(navigator, "onLine", "get").mockReturnValue(false);
    fakeApi({
      "POST /auth/refresh": () => {
        throw new TypeError("Failed to fetch");
      },
      "GET /me/todo?limit=100": () => {
        throw new TypeError("Failed to fetch");
      },
    });
    render(<App initialPath="/" restore />);

    expect(await screen.findByRole("alert", {}, { timeout: 10_000 })).toHaveTextContent("keeps no copy");
  });
});

describe("in the browser's address bar", () => {
  it("keeps every address under /app/, the service worker's scope (never /app alone)", async () => {
    fakeApi(TODO);
    window.history.pushState(null, "", "/app/history");
    render(<App token="tok" />);

    const todo = await screen.findByRole("link", { name: "To do" });
    expect(todo).toHaveAttribute("href", "/app/");
    await userEvent.setup().click(todo);
    expect(window.location.pathname).toBe("/app/");
    expect(screen.getByRole("link", { name: "Completed" })).toHaveAttribute("href", "/app/history");
  });
});
