import { afterEach, describe, expect, it, vi } from "vitest";
import { ApiError } from "./api";
import { enqueue, flush, queued } from "./outbox";

afterEach(() => localStorage.clear());

describe("the outbox", () => {
  it("sends each queued submission with its own Idempotency-Key and forgets it once sent", async () => {
    enqueue({ assignmentId: "a", answers: { mood: 1 }, idempotencyKey: "key-a" });
    const send = vi.fn(async () => ({}));

    expect(await flush(send)).toBe(1);

    expect(send).toHaveBeenCalledWith("/assignments/a/responses", {
      method: "POST",
      body: { answers: { mood: 1 } },
      headers: { "Idempotency-Key": "key-a" },
    });
    expect(queued()).toEqual([]);
  });

  it("keeps a submission while the network still fails, with the same key for the retry", async () => {
    enqueue({ assignmentId: "a", answers: {}, idempotencyKey: "key-a" });

    expect(await flush(vi.fn(async () => Promise.reject(new TypeError("Failed to fetch"))))).toBe(0);

    expect(queued()).toEqual([{ assignmentId: "a", answers: {}, idempotencyKey: "key-a" }]);
  });

  it("drops a submission the gateway refuses for good", async () => {
    enqueue({ assignmentId: "a", answers: {}, idempotencyKey: "key-a" });

    await flush(vi.fn(async () => Promise.reject(new ApiError({ status: 409, detail: "Closed" }))));

    expect(queued()).toEqual([]);
  });
});
