// A fake gateway for component tests: fetch answered by route, every call recorded.
import { vi } from "vitest";

export interface Call {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: unknown;
}

type Reply = { status: number; body?: unknown };
type Handler = (call: Call) => Reply;

export function fakeApi(routes: Record<string, Handler | Reply>): Call[] {
  const calls: Call[] = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (path: string, init: RequestInit = {}) => {
      const call: Call = {
        method: init.method ?? "GET",
        path,
        headers: (init.headers ?? {}) as Record<string, string>,
        body: init.body ? JSON.parse(init.body as string) : undefined,
      };
      calls.push(call);
      const route = routes[`${call.method} ${path}`];
      const reply = typeof route === "function" ? route(call) : route ?? { status: 404, body: { detail: "Not found" } };
      return new Response(reply.body === undefined ? null : JSON.stringify(reply.body), { status: reply.status });
    }),
  );
  return calls;
}
