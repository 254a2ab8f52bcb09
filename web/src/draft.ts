// An unfinished activity kept on the device: its answers, the page reached and the submission's
// Idempotency-Key (made once, so a retried submission is recorded once).
import type { Answers } from "./api";

export interface Draft {
  answers: Answers;
  page: number;
  idempotencyKey: string;
}

const PREFIX = "interlude.draft.";

function newKey(): string {
  return crypto.randomUUID();
}

export function loadDraft(assignmentId: string): Draft {
  try {
    const stored = localStorage.getItem(PREFIX + assignmentId);
    if (stored) {
      const draft = JSON.parse(stored) as Partial<Draft>;
      return { answers: draft.answers ?? {}, page: draft.page ?? 0, idempotencyKey: draft.idempotencyKey ?? newKey() };
    }
  } catch {
    // a draft that cannot be read is started afresh
  }
  return { answers: {}, page: 0, idempotencyKey: newKey() };
}

export function saveDraft(assignmentId: string, draft: Draft): void {
  localStorage.setItem(PREFIX + assignmentId, JSON.stringify(draft));
}

export function clearDraft(assignmentId: string): void {
  localStorage.removeItem(PREFIX + assignmentId);
}
