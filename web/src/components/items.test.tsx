import { act, fireEvent, render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { useState } from "react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Answer, Item, RenderedActivity } from "../api";
import { App } from "../App";
import { SessionProvider } from "../auth";
import { fakeApi } from "../test/fakeApi";
import { ItemField } from "./ItemField";

/** One item with its answer kept as the Answer screen keeps it; every recorded answer listed. */
function Harness({ item, recorded }: { item: Item; recorded: (Answer | undefined)[] }) {
  const [value, setValue] = useState<Answer | undefined>(undefined);
  return (
    <SessionProvider initialToken="tok">
      <ItemField item={item} value={value} errors={[]} onChange={(next) => {
        recorded.push(next);
        setValue(next);
      }} />
    </SessionProvider>
  );
}

const PRACTICE: Item = {
  id: "breathe",
  type: "timed_practice",
  prompt: "Breathing space",
  answerable: true,
  duration_seconds: 90,
  media: { kind: "audio", url: "/media/breathing.mp3", title: "Guided breathing" },
};

describe("a timed practice", () => {
  let play: ReturnType<typeof vi.fn>;
  let pause: ReturnType<typeof vi.fn>;

  beforeEach(() => {
    vi.useFakeTimers();
    fakeApi({ "GET /media/breathing.mp3": { status: 200, body: "audio" } });
    vi.stubGlobal("URL", Object.assign(URL, { createObjectURL: () => "blob:breathing", revokeObjectURL: () => undefined }));
    play = vi.fn(() => Promise.resolve());
    // As a browser does: pausing fires the element's "pause" event soon after (at the end of the practice too).
    pause = vi.fn(function (this: HTMLMediaElement) {
      queueMicrotask(() => this.dispatchEvent(new Event("pause")));
    });
    vi.spyOn(HTMLMediaElement.prototype, "play").mockImplementation(play);
    vi.spyOn(HTMLMediaElement.prototype, "pause").mockImplementation(pause);
  });

  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
    vi.unstubAllGlobals();
  });

  async function seconds(count: number) {
    await act(async () => {
      vi.advanceTimersByTime(count * 1000);
    });
  }

  it("records nothing until started, then the whole seconds practised, with its audio and spoken milestones", async () => {
    const recorded: (Answer | undefined)[] = [];
    render(<Harness item={PRACTICE} recorded={recorded} />);
    await act(async () => undefined); // the audio arrives
    const practice = screen.getByRole("group", { name: "Breathing space" });
    expect(within(practice).getByRole("timer", { name: "Time remaining" })).toHaveTextContent("1:30");
    expect(recorded).toEqual([]);

    fireEvent.click(within(practice).getByRole("button", { name: "Start" }));
    expect(play).toHaveBeenCalled();
    expect(screen.getByRole("status")).toHaveTextContent("Practice started: 1 minute 30 seconds remaining.");
    await seconds(30);
    expect(screen.getByRole("timer")).toHaveTextContent("1:00");
    expect(screen.getByRole("status")).toHaveTextContent("1 minute remaining.");
    expect(recorded.at(-1)).toBe(30);

    fireEvent.click(screen.getByRole("button", { name: "Pause" }));
    expect(pause).toHaveBeenCalled();
    expect(screen.getByRole("status")).toHaveTextContent("Paused: 1 minute remaining.");
    await seconds(45); // paused: not practised
    expect(recorded.at(-1)).toBe(30);
    expect(screen.getByText("Practised 0:30 of 1:30")).toBeInTheDocument();

    fireEvent.click(screen.getByRole("button", { name: "Resume" }));
    await seconds(100); // runs to its end and stops there
    expect(recorded.at(-1)).toBe(90);
    expect(recorded.every((value) => typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= 90)).toBe(true);
    expect(screen.getByRole("status")).toHaveTextContent("Practice complete.");
    expect(screen.queryByRole("button", { name: /Start|Resume|Pause/ })).toBeNull();
    expect(screen.getByRole("timer")).toHaveTextContent("0:00");
  });

  it("starts and pauses with the audio's own controls too", async () => {
    const recorded: (Answer | undefined)[] = [];
    const { container } = render(<Harness item={PRACTICE} recorded={recorded} />);
    await act(async () => undefined);
    const audio = container.querySelector("audio")!;

    fireEvent.play(audio);
    await seconds(5);
    fireEvent.pause(audio);
    await seconds(5);

    expect(recorded.at(-1)).toBe(5);
    expect(screen.getByRole("button", { name: "Resume" })).toBeInTheDocument();
  });
});

const ASSIGNMENT = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";

function activityWith(items: Item[]): RenderedActivity {
  return { assignment_id: ASSIGNMENT, title: "Sliders", instructions: "", status: "open", due_at: null, pages: [{ id: "p", items }] };
}

describe("a visual-analogue slider", () => {
  afterEach(() => vi.unstubAllGlobals());

  const items: Item[] = [
    { id: "pain", type: "visual_analogue_scale", prompt: "Pain", answerable: true, min: 0, max: 10, decimals: 1 },
    { id: "tension", type: "visual_analogue_scale", prompt: "Tension", answerable: true, required: false, min: 0, max: 10, decimals: 1 },
  ];

  function gateway() {
    return fakeApi({
      [`GET /assignments/${ASSIGNMENT}/render`]: { status: 200, body: activityWith(items) },
      [`POST /assignments/${ASSIGNMENT}/open`]: { status: 200, body: {} },
      [`POST /assignments/${ASSIGNMENT}/responses`]: { status: 201, body: {} },
      "GET /me/todo?limit=100": { status: 200, body: { assignments: [] } },
    });
  }

  it("stays unanswered until touched: a required one is asked for, an optional one is not sent", async () => {
    const calls = gateway();
    const user = userEvent.setup();
    render(<App initialPath={`/assignments/${ASSIGNMENT}`} token="tok" />);
    const pain = await screen.findByRole("slider", { name: "Pain" });
    expect(pain).toHaveAttribute("aria-valuetext", "not answered yet");

    await user.click(screen.getByRole("button", { name: "Submit" }));
    expect(screen.getByText("Answer required.")).toBeInTheDocument();
    expect(calls.filter((c) => c.path.endsWith("/responses"))).toHaveLength(0);

    // A tap on the middle, where the untouched thumb rests, answers it with the middle.
    fireEvent.pointerUp(pain);
    expect(pain).not.toHaveAttribute("aria-valuetext");
    expect(screen.getByText("Value: 5")).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Submit" }));

    expect(await screen.findByRole("heading", { name: "To do" })).toBeInTheDocument();
    expect(calls.find((c) => c.path.endsWith("/responses"))?.body).toEqual({ answers: { pain: 5 } });
  });

  it("lets an optional answer be cleared, and a key answers it like a tap", async () => {
    const recorded: (Answer | undefined)[] = [];
    render(<Harness item={items[1]} recorded={recorded} />);
    const tension = screen.getByRole("slider", { name: /Tension/ });

    fireEvent.keyUp(tension, { key: "Tab" }); // arriving with Tab is not an answer
    expect(recorded).toEqual([]);
    fireEvent.keyUp(tension, { key: " " });
    expect(recorded).toEqual([5]);
    fireEvent.change(tension, { target: { value: "7.3" } });
    expect(recorded.at(-1)).toBe(7.3);

    fireEvent.click(screen.getByRole("button", { name: "Clear the answer" }));
    expect(recorded.at(-1)).toBeUndefined();
    expect(tension).toHaveAttribute("aria-valuetext", "not answered yet");
  });
});

describe("text and media items", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("renders Markdown as elements, never as markup, and links only to web or mail addresses", () => {
    const item: Item = {
      id: "about",
      type: "display_text",
      prompt: "## Why\nBreathing **slowly** *helps*.\n\n- one\n- two\n\n[Read more](https://example.org) [bad](javascript:alert(1)) <script>x</script>",
      answerable: false,
    };
    const { container } = render(<Harness item={item} recorded={[]} />);

    expect(screen.getByRole("heading", { name: "Why", level: 4 })).toBeInTheDocument();
    expect(container.querySelector("strong")).toHaveTextContent("slowly");
    expect(container.querySelector("em")).toHaveTextContent("helps");
    expect(screen.getAllByRole("listitem")).toHaveLength(2);
    expect(screen.getByRole("link", { name: "Read more" })).toHaveAttribute("href", "https://example.org");
    expect(screen.queryByRole("link", { name: "bad" })).toBeNull();
    expect(container.querySelector("script")).toBeNull();
    expect(container).toHaveTextContent("<script>x</script>");
  });

  it("uses a prompt's Markdown in the field's label without its marks", () => {
    const item: Item = { id: "name", type: "free_text", prompt: "Your **first** name", answerable: true };
    render(<Harness item={item} recorded={[]} />);
    expect(screen.getByRole("textbox", { name: "Your first name" })).toBeInTheDocument();
  });

  it("offers media on another site as a link instead of loading it", () => {
    const calls = fakeApi({});
    const item: Item = {
      id: "clip",
      type: "media",
      prompt: "A short film",
      answerable: false,
      media: { kind: "video", url: "https://videos.example/clip.mp4", title: "Clip" },
    };
    render(<Harness item={item} recorded={[]} />);
    expect(screen.getByRole("link", { name: "Open the video Clip (another website)" })).toHaveAttribute("rel", "noopener noreferrer");
    expect(calls).toEqual([]);
  });
});
