// The gateway's public HTTP API, same origin. Failures arrive as RFC 9457 problem details.

export interface Problem {
  status: number;
  detail: string;
  errors?: Record<string, unknown>;
}

export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail);
  }

  /** The messages per answer (item id) of a 422 on a submission. */
  get answerErrors(): Record<string, string[]> {
    const answers = this.problem.errors?.answers;
    return answers && typeof answers === "object" ? (answers as Record<string, string[]>) : {};
  }
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  /** A body sent as it is (an uploaded file), with its own content type. */
  raw?: Blob;
  contentType?: string;
  token?: string | null;
  headers?: Record<string, string>;
}

export async function request<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json", ...options.headers };
  if (options.body !== undefined) headers["Content-Type"] = "application/json";
  if (options.raw !== undefined) headers["Content-Type"] = options.contentType || "application/octet-stream";
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  const response = await fetch(path, {
    method: options.method ?? "GET",
    headers,
    body: options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
  });
  const text = await response.text();
  const parsed = text ? JSON.parse(text) : null;
  if (!response.ok) {
    throw new ApiError({ status: response.status, detail: parsed?.detail ?? response.statusText, errors: parsed?.errors });
  }
  return parsed as T;
}

export interface TokenPair {
  access_token: string;
  refresh_token?: string; // absent for a browser session: it is an HttpOnly cookie
  expires_in: number;
}

/** A network failure (offline, no route), as opposed to an answer from the gateway. */
export function isNetworkFailure(error: unknown): boolean {
  return error instanceof TypeError;
}

export type Answer = string | number | boolean | string[];
export type Answers = Record<string, Answer>;

export interface Condition {
  item_id: string;
  operator: string;
  value?: unknown;
}

export interface ShowIf {
  all?: Condition[];
  any?: Condition[];
}

export interface Option {
  value: string;
  label: string;
}

export interface Media {
  kind: "image" | "audio" | "video";
  url: string;
  alt?: string;
  title?: string;
}

export interface Item {
  id: string;
  type: string;
  prompt: string;
  required?: boolean;
  answerable: boolean;
  show_if?: ShowIf | null;
  options?: Option[];
  min?: number;
  max?: number;
  step?: number;
  decimals?: number;
  unit?: string;
  min_label?: string;
  max_label?: string;
  max_length?: number;
  media?: Media;
  duration_seconds?: number;
}

export interface Page {
  id: string;
  title?: string | null;
  show_if?: ShowIf | null;
  items: Item[];
}

export interface RenderedActivity {
  assignment_id: string;
  title: string;
  instructions: string;
  status: string;
  due_at: string | null;
  pages: Page[];
}

export interface Assignment {
  assignment_id: string;
  title: string;
  status: string;
  due_at: string | null;
}

export interface TodoPage {
  assignments: Assignment[];
}

export interface Account {
  username: string;
  role: string;
}

export interface CompletedAssignment {
  assignment_id: string;
  title: string;
  assigned_at: string;
  due_at: string | null;
  submitted_at: string;
}

export interface HistoryPage {
  assignments: CompletedAssignment[];
}

export interface Notification {
  notification_id: string;
  kind: string;
  title: string;
  body: string;
  created_at: string;
}

export interface NotificationsPage {
  notifications: Notification[];
}

export interface Preferences {
  channels: string[];
  opted_out: boolean;
  time_zone: string;
  quiet_hours: { start: string; end: string } | null;
  [other: string]: unknown;
}
