import { describe, expect, it } from "vitest";
import { clearDraft, loadDraft, saveDraft } from "./draft";

describe("draft", () => {
  it("keeps the answers, the page and one idempotency key across loads", () => {
    const first = loadDraft("a1");
    saveDraft("a1", { ...first, answers: { mood: 4 }, page: 1 });
    const again = loadDraft("a1");
    expect(again).toEqual({ answers: { mood: 4 }, page: 1, idempotencyKey: first.idempotencyKey });
    expect(again.idempotencyKey).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("starts afresh after it is cleared or when unreadable", () => {
    saveDraft("a2", { answers: { x: "y" }, page: 2, idempotencyKey: "k" });
    clearDraft("a2");
    expect(loadDraft("a2").answers).toEqual({});
    localStorage.setItem("interlude.draft.a3", "{not json");
    expect(loadDraft("a3").page).toBe(0);
  });
});
