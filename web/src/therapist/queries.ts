import { useQuery } from "@tanstack/react-query";
import { useSession } from "../auth";
import type { ClientAccount } from "./types";

/** The therapist's clients (accounts, whether or not anything was assigned to them yet). */
export function useClients(): ClientAccount[] {
  const { call, token } = useSession();
  const clients = useQuery({
    queryKey: ["clients", token],
    queryFn: () => call<{ clients: ClientAccount[] }>("/clients?limit=100"),
  });
  return clients.data?.clients ?? [];
}

export function nameOf(client: ClientAccount): string {
  return client.display_name || client.username;
}

/** The therapist's clients by id, for their display names (the caseload lists ids only). */
export function useClientNames(): Map<string, string> {
  return new Map(useClients().map((c) => [c.account_id, nameOf(c)]));
}

export function formatDate(value: string | null, language: string): string {
  if (!value) return "—";
  return new Intl.DateTimeFormat(language, { dateStyle: "medium", timeStyle: "short" }).format(new Date(value));
}
