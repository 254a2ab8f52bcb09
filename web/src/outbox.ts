// Submissions made offline, kept on the device until the connection returns. Each keeps its
// draft's Idempotency-Key: sent twice (a retry, two tabs), the gateway records it once.
import { ApiError, isNetworkFailure, type Answers } from "./api";
import { clearDraft } from "./draft";

export interface QueuedSubmission {
  assignmentId: string;
  answers: Answers;
  idempotencyKey: string;
}

const KEY = "interlude.outbox";

export function queued(): QueuedSubmission[] {
  try {
    return JSON.parse(localStorage.getItem(KEY) ?? "[]") as QueuedSubmission[];
  } catch {
    return [];
  }
}

function store(submissions: QueuedSubmission[]): void {
  localStorage.setItem(KEY, JSON.stringify(submissions));
}

export function enqueue(submission: QueuedSubmission): void {
  store([...queued().filter((s) => s.assignmentId !== submission.assignmentId), submission]);
}

type Send = (path: string, options: { method: string; body: unknown; headers: Record<string, string> }) => Promise<unknown>;

/** Send what is queued; returns how many were delivered. A network failure keeps the rest for later. */
export async function flush(send: Send): Promise<number> {
  let delivered = 0;
  for (const submission of queued()) {
    try {
      await send(`/assignments/${submission.assignmentId}/responses`, {
        method: "POST",
        body: { answers: submission.answers },
        headers: { "Idempotency-Key": submission.idempotencyKey },
      });
      delivered += 1;
      clearDraft(submission.assignmentId);
    } catch (error) {
      if (isNetworkFailure(error)) break;
      // Refused for good (cancelled, closed…): retrying cannot help; the draft stays to be looked at.
      if (!(error instanceof ApiError) || error.problem.status >= 500) break;
    }
    store(queued().filter((s) => s.assignmentId !== submission.assignmentId));
  }
  return delivered;
}
