import { useQuery } from "@tanstack/react-query";
import { useSession } from "../auth";
import type { ClientAccount } from "./types";

/** The therapist's clients by id, for their display names (the caseload lists ids only). */
export function useClientNames(): Map<string, string> {
  const { call, token } = useSession();
  const clients = useQuery({
    queryKey: ["clients", token],
    queryFn: () => call<{ clients: ClientAccount[] }>("/clients?limit=100"),
  });
  return new Map((clients.data?.clients ?? []).map((c) => [c.account_id, c.display_name || c.username]));
}

export function formatDate(value: string | null, language: string): string {
  if (!value) return "—";
  return new Intl.DateTimeFormat(language, { dateStyle: "medium", timeStyle: "short" }).format(new Date(value));
}
