// The activity builder's model: what the editor holds, and the draft (ActivityDraftSchema) it sends.
// Which settings each item type takes and what they mean is the activity model's (docs/activities.md);
// this file only says how the editor shows them and turns what was typed back into the draft.
import type { Item, ShowIf } from "../api";

export const ITEM_TYPES = [
  "free_text",
  "long_text",
  "single_choice",
  "multiple_choice",
  "linear_scale",
  "visual_analogue_scale",
  "number",
  "date",
  "time",
  "yes_no",
  "timed_practice",
  "heading",
  "display_text",
  "media",
] as const;
export type ItemType = (typeof ITEM_TYPES)[number];
/** Kept under its old name: the builder's first slice exported it. */
export const BUILDER_TYPES = ITEM_TYPES;
export type BuilderType = ItemType;

export const DISPLAY_TYPES: readonly string[] = ["heading", "display_text", "media"];
export const CHOICE_TYPES: readonly string[] = ["single_choice", "multiple_choice"];
/** Items whose answer a score can use (the contract's SCORABLE_TYPES). */
export const SCORABLE_TYPES: readonly string[] = ["single_choice", "multiple_choice", "linear_scale", "visual_analogue_scale", "number", "yes_no"];
export const MEDIA_KINDS = ["image", "audio", "video"] as const;
/** The personalisation tokens the activity model knows (personalise.KNOWN_TOKENS). */
export const TOKENS = ["client.first_name", "therapist.name", "clinic.name"] as const;

export type SettingKind = "int" | "number" | "text";
export interface Setting {
  key: string;
  kind: SettingKind;
}

const LABELS: Setting[] = [{ key: "min_label", kind: "text" }, { key: "max_label", kind: "text" }];

/** The plain settings of each type, edited as typed and sent only when filled in. */
export const SETTINGS: Record<ItemType, Setting[]> = {
  free_text: [{ key: "max_length", kind: "int" }],
  long_text: [{ key: "max_length", kind: "int" }],
  single_choice: [],
  multiple_choice: [{ key: "min_selections", kind: "int" }, { key: "max_selections", kind: "int" }],
  linear_scale: [{ key: "min", kind: "int" }, { key: "max", kind: "int" }, { key: "step", kind: "int" }, ...LABELS],
  visual_analogue_scale: [{ key: "min", kind: "number" }, { key: "max", kind: "number" }, { key: "decimals", kind: "int" }, ...LABELS],
  number: [{ key: "min", kind: "number" }, { key: "max", kind: "number" }, { key: "decimals", kind: "int" }, { key: "unit", kind: "text" }],
  date: [],
  time: [],
  yes_no: [],
  timed_practice: [{ key: "duration_seconds", kind: "int" }],
  heading: [],
  display_text: [],
  media: [],
};

export interface BuilderOption {
  value: string;
  label: string;
  score: string; // as typed; empty means unscored
  kept?: Record<string, unknown>; // e.g. an imported coding's system
}

export interface Condition {
  itemId: string;
  operator: string;
  value: string; // as typed or chosen; converted by the target item's type
}

export interface Branch {
  combinator: "all" | "any";
  conditions: Condition[];
}

export interface MediaDraft {
  kind: string;
  url: string;
  alt: string;
  title: string;
  kept: Record<string, unknown>;
}

/** A page that starts at an item (the first item always starts the first page when there are pages). */
export interface PageStart {
  id: string;
  title: string;
  /** Shows the page only when its conditions on items of earlier pages hold. */
  branch?: Branch | null;
  kept: Record<string, unknown>;
}

export interface BuilderItem {
  id: string;
  type: string;
  prompt: string;
  /** undefined: not given (the model's default, required). */
  required?: boolean;
  options: BuilderOption[];
  settings: Record<string, string>;
  media: MediaDraft | null;
  branch: Branch | null;
  page: PageStart | null;
  /** Settings the editor does not edit (an import's link_id, codes...), sent back unchanged. */
  kept: Record<string, unknown>;
}

export interface Band {
  min: string;
  max: string;
  label: string;
}

export interface RiskRule {
  id: string;
  condition: Condition;
  message: string;
}

export interface ScoringState {
  total: boolean;
  items: string[];
  method: "sum" | "mean";
  reverse: string[];
  multiplier: string;
  bands: Band[];
  cutoff: string;
  label: string;
  riskRules: RiskRule[];
  /** Subscales and whatever else the editor does not edit. */
  kept: Record<string, unknown>;
}

export interface BuilderState {
  title: string;
  instructions: string;
  measure: string;
  items: BuilderItem[];
  scoring: ScoringState;
  /** Parts of the draft the editor does not edit (tags, source, licence...), kept as they were. */
  rest: Record<string, unknown>;
}

export type Draft = Record<string, unknown> & { title: string; items: Record<string, unknown>[] };

export const EMPTY_SCORING: ScoringState = {
  total: false, items: [], method: "sum", reverse: [], multiplier: "", bands: [], cutoff: "", label: "", riskRules: [], kept: {},
};

export const EMPTY_STATE: BuilderState = { title: "", instructions: "", measure: "", items: [], scoring: EMPTY_SCORING, rest: {} };

export function isItemType(type: string): type is ItemType {
  return (ITEM_TYPES as readonly string[]).includes(type);
}
export const isEditableType = isItemType;

export function isAnswerable(type: string): boolean {
  return !DISPLAY_TYPES.includes(type);
}

export function freshId(base: string, taken: string[]): string {
  const stem = base.replace(/_/g, "-");
  let n = 1;
  while (taken.includes(`${stem}-${n}`)) n += 1;
  return `${stem}-${n}`;
}

const NEW_SETTINGS: Partial<Record<ItemType, Record<string, string>>> = {
  linear_scale: { min: "0", max: "10" },
  visual_analogue_scale: { min: "0", max: "10" },
  timed_practice: { duration_seconds: "300" },
};

export function newItem(type: ItemType, taken: string[]): BuilderItem {
  const options = CHOICE_TYPES.includes(type)
    ? [{ value: "a", label: "", score: "0" }, { value: "b", label: "", score: "1" }]
    : [];
  const media = type === "media" ? { kind: "image", url: "", alt: "", title: "", kept: {} } : null;
  return { id: freshId(type, taken), type, prompt: "", options, settings: { ...NEW_SETTINGS[type] }, media, branch: null, page: null, kept: {} };
}

/** The operators a condition on an item of this type offers (the model's OPERATORS that make sense for it). */
export function operatorsFor(type: string): string[] {
  if (["linear_scale", "visual_analogue_scale", "number", "timed_practice", "date", "time"].includes(type)) {
    return ["greater_or_equal", "less_or_equal", "greater_than", "less_than", "equals", "not_equals", "answered", "not_answered"];
  }
  if (["free_text", "long_text"].includes(type)) return ["answered", "not_answered", "equals", "not_equals"];
  return ["equals", "not_equals", "answered", "not_answered"];
}

export function takesValue(operator: string): boolean {
  return operator !== "answered" && operator !== "not_answered";
}

/** The value a new condition on this item starts with. */
export function defaultValue(target: BuilderItem): string {
  if (target.type === "yes_no") return "yes";
  if (CHOICE_TYPES.includes(target.type)) return target.options[0]?.value ?? "";
  if (target.type === "linear_scale" || target.type === "visual_analogue_scale") return target.settings.min ?? "0";
  return "";
}

export function newCondition(target: BuilderItem): Condition {
  return { itemId: target.id, operator: operatorsFor(target.type)[0], value: defaultValue(target) };
}

const NUMERIC_ANSWERS = ["linear_scale", "visual_analogue_scale", "number", "timed_practice"];

function conditionValue(target: BuilderItem | undefined, text: string): unknown {
  if (target?.type === "yes_no") return text === "yes";
  if (target && NUMERIC_ANSWERS.includes(target.type)) return Number(text);
  return text;
}

export function conditionOf(condition: Condition, items: BuilderItem[]): Record<string, unknown> {
  const target = items.find((item) => item.id === condition.itemId);
  return takesValue(condition.operator)
    ? { item_id: condition.itemId, operator: condition.operator, value: conditionValue(target, condition.value) }
    : { item_id: condition.itemId, operator: condition.operator };
}

function showIfOf(branch: Branch, items: BuilderItem[]): ShowIf {
  return { [branch.combinator]: branch.conditions.map((condition) => conditionOf(condition, items)) } as ShowIf;
}

function typedSetting(kind: SettingKind, text: string): unknown {
  return kind === "text" ? text : Number(text);
}

function settingsOf(item: BuilderItem): Record<string, unknown> {
  const settings: Record<string, unknown> = {};
  if (CHOICE_TYPES.includes(item.type)) {
    settings.options = item.options.map((option) => ({
      ...option.kept,
      value: option.value,
      label: option.label,
      ...(option.score.trim() === "" ? {} : { score: Number(option.score) }),
    }));
  }
  for (const setting of isItemType(item.type) ? SETTINGS[item.type] : []) {
    const text = item.settings[setting.key] ?? "";
    if (text.trim() !== "") settings[setting.key] = typedSetting(setting.kind, text);
  }
  if (item.media && item.media.url.trim() !== "") settings.media = mediaOf(item.media);
  return settings;
}

function mediaOf(media: MediaDraft): Record<string, unknown> {
  const filled = Object.entries({ alt: media.alt, title: media.title }).filter(([, text]) => text.trim() !== "");
  return { ...media.kept, kind: media.kind, url: media.url.trim(), ...Object.fromEntries(filled) };
}

export function draftItemOf(item: BuilderItem, items: BuilderItem[]): Record<string, unknown> {
  return {
    ...item.kept,
    id: item.id,
    type: item.type,
    prompt: item.prompt,
    ...(item.required === undefined || !isAnswerable(item.type) ? {} : { required: item.required }),
    ...settingsOf(item),
    ...(item.branch && item.branch.conditions.length ? { show_if: showIfOf(item.branch, items) } : {}),
  };
}

/** The pages of the draft: consecutive items from each page start; none when no item starts a page. */
export function pagesOf(items: BuilderItem[]): Record<string, unknown>[] | undefined {
  if (!items.some((item) => item.page)) return undefined;
  const pages: Record<string, unknown>[] = [];
  const taken = items.flatMap((item) => (item.page ? [item.page.id] : []));
  items.forEach((item, index) => {
    if (item.page || index === 0) {
      const start = item.page ?? { id: freshId("page", taken), title: "", kept: {} };
      pages.push({
        ...start.kept,
        id: start.id,
        ...(start.title.trim() ? { title: start.title } : {}),
        ...(start.branch?.conditions.length ? { show_if: showIfOf(start.branch, items) } : {}),
        item_ids: [],
      });
    }
    (pages[pages.length - 1].item_ids as string[]).push(item.id);
  });
  return pages;
}

function numberOrNothing(text: string): number | undefined {
  return text.trim() === "" ? undefined : Number(text);
}

/** The draft's scoring, or undefined when there is nothing to score and no risk rule. */
export function scoringOf(scoring: ScoringState, items: BuilderItem[]): Record<string, unknown> | undefined {
  const draft: Record<string, unknown> = { ...scoring.kept };
  if (scoring.total) {
    const multiplier = numberOrNothing(scoring.multiplier);
    const cutoff = numberOrNothing(scoring.cutoff);
    draft.total = {
      ...(scoring.label.trim() ? { label: scoring.label } : {}),
      items: scoring.items.filter((id) => items.some((item) => item.id === id)),
      ...(scoring.method === "mean" ? { method: "mean" } : {}), // sum is the model's default
      ...(scoring.reverse.length ? { reverse: scoring.reverse } : {}),
      ...(multiplier === undefined ? {} : { multiplier }),
      ...(scoring.bands.length ? { bands: scoring.bands.map((b) => ({ min: Number(b.min), max: Number(b.max), label: b.label })) } : {}),
      ...(cutoff === undefined ? {} : { cutoff }),
    };
  }
  if (scoring.riskRules.length) {
    draft.risk_rules = scoring.riskRules.map((rule) => ({ id: rule.id, ...conditionOf(rule.condition, items), message: rule.message }));
  }
  return Object.keys(draft).length ? draft : undefined;
}

/** The draft the gateway's POST /activities and PUT /activities/{id}/draft take. */
export function draftOf(state: BuilderState): Draft {
  const pages = pagesOf(state.items);
  const scoring = scoringOf(state.scoring, state.items);
  return {
    ...state.rest,
    title: state.title,
    instructions: state.instructions,
    ...(state.measure.trim() ? { measure: state.measure.trim() } : {}),
    items: state.items.map((item) => draftItemOf(item, state.items)),
    ...(pages ? { pages } : {}),
    ...(scoring ? { scoring } : {}),
  };
}

/** The item as the client's answering components take it, for the preview. */
export function previewItemOf(item: BuilderItem, items: BuilderItem[]): Item {
  return { ...(draftItemOf(item, items) as unknown as Item), answerable: isAnswerable(item.type) };
}

/** What the preview fills the tokens with (the client's real names are filled in at assignment). */
export function personalised(text: string, values: Record<string, string>): string {
  return text.replace(/\{\{\s*([a-z_.]+)\s*\}\}/g, (token, name: string) => values[name] ?? token);
}

function conditionFrom(raw: { item_id: string; operator: string; value?: unknown }): Condition {
  const value = raw.value === true ? "yes" : raw.value === false ? "no" : raw.value === undefined ? "" : String(raw.value);
  return { itemId: raw.item_id, operator: raw.operator, value };
}

function branchOf(showIf: unknown): Branch | null {
  const given = showIf as ShowIf | undefined;
  if (!given) return null;
  const combinator = given.any ? "any" : "all";
  const conditions = (given.any ?? given.all ?? []).map(conditionFrom);
  return conditions.length ? { combinator, conditions } : null;
}

function textOf(value: unknown): string {
  return value === undefined || value === null ? "" : String(value);
}

function without(raw: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(raw).filter(([key]) => !keys.includes(key)));
}

function mediaFrom(raw: unknown): MediaDraft | null {
  if (!raw || typeof raw !== "object") return null;
  const media = raw as Record<string, unknown>;
  return {
    kind: textOf(media.kind) || "image",
    url: textOf(media.url),
    alt: textOf(media.alt),
    title: textOf(media.title),
    kept: without(media, ["kind", "url", "alt", "title"]),
  };
}

function builderItemOf(raw: Record<string, unknown>, page: PageStart | null): BuilderItem {
  const type = raw.type as string;
  const settingKeys = isItemType(type) ? SETTINGS[type].map((s) => s.key) : [];
  const edited = ["id", "type", "prompt", "required", "options", "show_if", "media", ...settingKeys];
  const options = ((raw.options as Record<string, unknown>[] | undefined) ?? []).map((o) => ({
    value: textOf(o.value),
    label: textOf(o.label),
    score: textOf(o.score),
    kept: without(o, ["value", "label", "score"]),
  }));
  const media = mediaFrom(raw.media);
  return {
    id: raw.id as string,
    type,
    prompt: (raw.prompt as string) ?? "",
    ...(typeof raw.required === "boolean" ? { required: raw.required } : {}),
    options,
    settings: Object.fromEntries(settingKeys.filter((key) => key in raw).map((key) => [key, textOf(raw[key])])),
    media: type === "media" ? media ?? { kind: "image", url: "", alt: "", title: "", kept: {} } : media,
    branch: branchOf(raw.show_if),
    page,
    kept: without(raw, edited),
  };
}

function pageStarts(rawPages: unknown): Map<string, PageStart> {
  const starts = new Map<string, PageStart>();
  for (const page of (rawPages as Record<string, unknown>[] | undefined) ?? []) {
    const first = (page.item_ids as string[] | undefined)?.[0];
    if (first) {
      const start = { id: page.id as string, title: textOf(page.title), branch: branchOf(page.show_if), kept: without(page, ["id", "title", "item_ids", "show_if"]) };
      starts.set(first, start);
    }
  }
  return starts;
}

function scoringFrom(raw: unknown, items: Record<string, unknown>[]): ScoringState {
  if (!raw || typeof raw !== "object") return EMPTY_SCORING;
  const scoring = raw as Record<string, unknown>;
  const total = scoring.total as Record<string, unknown> | undefined;
  const rules = (scoring.risk_rules as Record<string, unknown>[] | undefined) ?? [];
  const typeOf = new Map(items.map((item) => [item.id, item.type]));
  return {
    total: total !== undefined,
    items: (total?.items as string[] | undefined) ?? [],
    method: total?.method === "mean" ? "mean" : "sum",
    reverse: (total?.reverse as string[] | undefined) ?? [],
    multiplier: textOf(total?.multiplier),
    bands: ((total?.bands as Record<string, unknown>[] | undefined) ?? []).map((b) => ({ min: textOf(b.min), max: textOf(b.max), label: textOf(b.label) })),
    cutoff: textOf(total?.cutoff),
    label: textOf(total?.label),
    riskRules: rules.map((rule) => ({
      id: rule.id as string,
      condition: conditionFrom(rule as { item_id: string; operator: string; value?: unknown }),
      message: textOf(rule.message),
    })).filter((rule) => typeOf.has(rule.condition.itemId)),
    kept: without(scoring, ["total", "risk_rules"]),
  };
}

/** The editor's state for a stored draft (a new activity's, a library copy's, an import's). */
export function stateOf(draft: Draft): BuilderState {
  const { title, instructions, items, pages, scoring, measure, ...rest } = draft;
  const starts = pageStarts(pages);
  return {
    title,
    instructions: (instructions as string) ?? "",
    measure: textOf(measure),
    items: items.map((raw) => builderItemOf(raw, starts.get(raw.id as string) ?? null)),
    scoring: scoringFrom(scoring, items),
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

/** A 422's messages that are not about one item (pages, scoring, title...), each with its path. */
export function otherErrors(errors: Record<string, unknown> | undefined): string[] {
  if (!errors) return [];
  return Object.entries(errors).filter(([key]) => key !== "items").flatMap(([key, node]) => messagesOf(node, key));
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
