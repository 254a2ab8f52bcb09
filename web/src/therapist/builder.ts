// The activity builder's model: what the editor holds, and the draft (ActivityDraftSchema) it sends.
import type { Item, ShowIf } from "../api";

export const BUILDER_TYPES = ["free_text", "single_choice", "linear_scale", "yes_no"] as const;
export type BuilderType = (typeof BUILDER_TYPES)[number];

export interface BuilderOption {
  value: string;
  label: string;
  score: string; // as typed; empty means unscored
}

export interface Branch {
  itemId: string;
  operator: string;
  value: string; // as typed or chosen; converted by the target item's type
}

export interface BuilderItem {
  id: string;
  type: string;
  prompt: string;
  options: BuilderOption[];
  min: number;
  max: number;
  branch: Branch | null;
  /** Settings of a type this editor does not edit (e.g. a library copy's), sent back unchanged. */
  kept: Record<string, unknown>;
}

export interface BuilderState {
  title: string;
  instructions: string;
  items: BuilderItem[];
  /** Parts of the draft the editor does not edit (scoring, pages, measure, source...), kept as they were. */
  rest: Record<string, unknown>;
}

export type Draft = Record<string, unknown> & { title: string; items: Record<string, unknown>[] };

export const EMPTY_STATE: BuilderState = { title: "", instructions: "", items: [], rest: {} };

export function isEditableType(type: string): type is BuilderType {
  return (BUILDER_TYPES as readonly string[]).includes(type);
}

function freshId(type: string, taken: string[]): string {
  const base = type.replace(/_/g, "-");
  let n = 1;
  while (taken.includes(`${base}-${n}`)) n += 1;
  return `${base}-${n}`;
}

export function newItem(type: BuilderType, taken: string[]): BuilderItem {
  const options = type === "single_choice"
    ? [{ value: "a", label: "", score: "0" }, { value: "b", label: "", score: "1" }]
    : [];
  return { id: freshId(type, taken), type, prompt: "", options, min: 0, max: 10, branch: null, kept: {} };
}

/** The operators a condition on an item of this type offers (the contract's OPERATORS). */
export function operatorsFor(type: string): string[] {
  if (type === "linear_scale") return ["greater_or_equal", "less_or_equal", "equals", "answered"];
  if (type === "free_text") return ["answered", "not_answered"];
  return ["equals", "not_equals", "answered"];
}

export function takesValue(operator: string): boolean {
  return operator !== "answered" && operator !== "not_answered";
}

function conditionValue(target: BuilderItem | undefined, text: string): unknown {
  if (target?.type === "yes_no") return text === "yes";
  if (target?.type === "linear_scale") return Number(text);
  return text;
}

function showIfOf(branch: Branch, items: BuilderItem[]): ShowIf {
  const target = items.find((item) => item.id === branch.itemId);
  const condition = takesValue(branch.operator)
    ? { item_id: branch.itemId, operator: branch.operator, value: conditionValue(target, branch.value) }
    : { item_id: branch.itemId, operator: branch.operator };
  return { all: [condition] };
}

function settingsOf(item: BuilderItem): Record<string, unknown> {
  if (item.type === "single_choice") {
    return {
      options: item.options.map((option) => ({
        value: option.value,
        label: option.label,
        ...(option.score.trim() === "" ? {} : { score: Number(option.score) }),
      })),
    };
  }
  if (item.type === "linear_scale") return { min: item.min, max: item.max };
  return {};
}

export function draftItemOf(item: BuilderItem, items: BuilderItem[]): Record<string, unknown> {
  return {
    ...item.kept,
    id: item.id,
    type: item.type,
    prompt: item.prompt,
    ...settingsOf(item),
    ...(item.branch ? { show_if: showIfOf(item.branch, items) } : {}),
  };
}

/** The draft the gateway's POST /activities and PUT /activities/{id}/draft take. */
export function draftOf(state: BuilderState): Draft {
  return {
    ...state.rest,
    title: state.title,
    instructions: state.instructions,
    items: state.items.map((item) => draftItemOf(item, state.items)),
  };
}

/** The item as the client's answering components take it, for the preview. */
export function previewItemOf(item: BuilderItem, items: BuilderItem[]): Item {
  const display = ["heading", "display_text", "media"].includes(item.type);
  return { ...(draftItemOf(item, items) as unknown as Item), answerable: !display };
}

function branchOf(showIf: unknown): Branch | null {
  const conditions = (showIf as ShowIf | undefined)?.all ?? (showIf as ShowIf | undefined)?.any;
  const first = conditions?.[0];
  if (!first) return null;
  const value = first.value === true ? "yes" : first.value === false ? "no" : first.value === undefined ? "" : String(first.value);
  return { itemId: first.item_id, operator: first.operator, value };
}

const EDITED_KEYS = ["id", "type", "prompt", "options", "min", "max", "show_if"];

function builderItemOf(raw: Record<string, unknown>): BuilderItem {
  const kept = Object.fromEntries(Object.entries(raw).filter(([key]) => !EDITED_KEYS.includes(key)));
  const editable = isEditableType(raw.type as string);
  const options = ((raw.options as { value: string; label: string; score?: number }[] | undefined) ?? []).map((o) => ({
    ...o,
    value: o.value,
    label: o.label,
    score: o.score === undefined ? "" : String(o.score),
  }));
  return {
    id: raw.id as string,
    type: raw.type as string,
    prompt: (raw.prompt as string) ?? "",
    options,
    min: (raw.min as number) ?? 0,
    max: (raw.max as number) ?? 10,
    branch: branchOf(raw.show_if),
    // A type the editor cannot edit keeps its own min/max too.
    kept: editable ? kept : { ...kept, ...pick(raw, ["min", "max"]) },
  };
}

function pick(raw: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((key) => key in raw).map((key) => [key, raw[key]]));
}

/** The editor's state for a stored draft (a new activity's, a library copy's). */
export function stateOf(draft: Draft): BuilderState {
  const { title, instructions, items, ...rest } = draft;
  return {
    title,
    instructions: (instructions as string) ?? "",
    items: items.map(builderItemOf),
    rest,
  };
}

/** A 422's messages per item index: `errors.items` maps each failing item's index to its fields' messages. */
export function itemErrors(errors: Record<string, unknown> | undefined): Record<number, string[]> {
  const items = errors?.items;
  if (!items || typeof items !== "object" || Array.isArray(items)) return {};
  const byIndex: Record<number, string[]> = {};
  for (const [index, fields] of Object.entries(items as Record<string, unknown>)) {
    byIndex[Number(index)] = messagesOf(fields);
  }
  return byIndex;
}

function messagesOf(node: unknown, path = ""): string[] {
  if (typeof node === "string") return [path ? `${path}: ${node}` : node];
  if (Array.isArray(node)) return node.flatMap((child) => messagesOf(child, path));
  if (node && typeof node === "object") {
    return Object.entries(node as Record<string, unknown>).flatMap(([key, child]) =>
      messagesOf(child, path ? `${path}.${key}` : key),
    );
  }
  return [];
}
