import { describe, expect, it } from "vitest";
import type { Page } from "./api";
import { answersToSend, conditionHolds, visiblePages } from "./branching";

const pages: Page[] = [
  { id: "p1", items: [{ id: "smoked", type: "yes_no", prompt: "Did you smoke?", answerable: true }] },
  {
    id: "p2",
    show_if: { all: [{ item_id: "smoked", operator: "equals", value: true }] },
    items: [{ id: "how_many", type: "number", prompt: "How many?", answerable: true }],
  },
  {
    id: "p3",
    items: [
      { id: "note", type: "free_text", prompt: "Anything else?", answerable: true },
      {
        id: "why",
        type: "long_text",
        prompt: "Why so many?",
        answerable: true,
        show_if: { any: [{ item_id: "how_many", operator: "greater_than", value: 10 }] },
      },
    ],
  },
];

describe("branching", () => {
  it("shows a page only when its condition holds", () => {
    expect(visiblePages(pages, {}).map((p) => p.id)).toEqual(["p1", "p3"]);
    expect(visiblePages(pages, { smoked: true }).map((p) => p.id)).toEqual(["p1", "p2", "p3"]);
  });

  it("treats answers to hidden items as absent for later conditions", () => {
    const answers = { smoked: false, how_many: 20 };
    expect(visiblePages(pages, answers)[1].items.map((i) => i.id)).toEqual(["note"]);
    expect(visiblePages(pages, { ...answers, smoked: true })[2].items.map((i) => i.id)).toEqual(["note", "why"]);
  });

  it("never sends the answer of a hidden item", () => {
    expect(answersToSend(pages, { smoked: false, how_many: 20, note: "x" })).toEqual({ smoked: false, note: "x" });
  });

  it("matches a chosen option of a multiple choice", () => {
    expect(conditionHolds({ item_id: "m", operator: "equals", value: "a" }, { m: ["a", "b"] })).toBe(true);
    expect(conditionHolds({ item_id: "m", operator: "not_equals", value: "a" }, { m: ["b"] })).toBe(true);
    expect(conditionHolds({ item_id: "m", operator: "not_answered" }, {})).toBe(true);
    expect(conditionHolds({ item_id: "m", operator: "less_than", value: 3 }, { m: "2" })).toBe(false);
  });
});
