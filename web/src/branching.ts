// The client-side twin of the activity model's show_if (interlude_activity_model.branching):
// hidden items are neither shown nor sent, and their answers count as absent for later conditions.
import type { Answer, Answers, Condition, Page, ShowIf } from "./api";

function compare(operator: string, answer: Answer, expected: unknown): boolean {
  if (typeof answer === "boolean" || Array.isArray(answer)) return false;
  if ((typeof answer === "string") !== (typeof expected === "string")) return false;
  const a = answer as number | string;
  const e = expected as number | string;
  switch (operator) {
    case "greater_than":
      return a > e;
    case "greater_or_equal":
      return a >= e;
    case "less_than":
      return a < e;
    case "less_or_equal":
      return a <= e;
    default:
      return false;
  }
}

export function conditionHolds(condition: Condition, answers: Answers): boolean {
  const answer = answers[condition.item_id];
  if (condition.operator === "answered") return answer !== undefined;
  if (condition.operator === "not_answered") return answer === undefined;
  if (answer === undefined) return false;
  const expected = condition.value;
  if (condition.operator === "equals") {
    return Array.isArray(answer) ? answer.includes(expected as string) : answer === expected;
  }
  if (condition.operator === "not_equals") {
    return Array.isArray(answer) ? !answer.includes(expected as string) : answer !== expected;
  }
  return compare(condition.operator, answer, expected);
}

export function shown(showIf: ShowIf | null | undefined, answers: Answers): boolean {
  if (!showIf) return true;
  if (showIf.all) return showIf.all.every((c) => conditionHolds(c, answers));
  return (showIf.any ?? []).some((c) => conditionHolds(c, answers));
}

/** The pages shown, each with only its shown items, given the answers so far. */
export function visiblePages(pages: Page[], answers: Answers): Page[] {
  const effective: Answers = {};
  const visible: Page[] = [];
  for (const page of pages) {
    if (!shown(page.show_if, effective)) continue;
    const items = page.items.filter((item) => {
      if (!shown(item.show_if, effective)) return false;
      if (answers[item.id] !== undefined) effective[item.id] = answers[item.id];
      return true;
    });
    visible.push({ ...page, items });
  }
  return visible;
}

/** Only the answers of items shown: a hidden item must not be answered. */
export function answersToSend(pages: Page[], answers: Answers): Answers {
  const sent: Answers = {};
  for (const page of visiblePages(pages, answers)) {
    for (const item of page.items) {
      if (item.answerable && answers[item.id] !== undefined) sent[item.id] = answers[item.id];
    }
  }
  return sent;
}
