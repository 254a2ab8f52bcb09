import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import type { NotificationsPage } from "../api";
import { useSession } from "../auth";

export function Notifications() {
  const { t, i18n } = useTranslation();
  const { call, token } = useSession();
  const listed = useQuery({
    queryKey: ["notifications", token],
    queryFn: () => call<NotificationsPage>("/me/notifications?limit=100"),
  });
  const dateFormat = new Intl.DateTimeFormat(i18n.language, { dateStyle: "medium", timeStyle: "short" });
  return (
    <main>
      <h1>{t("notifications.title")}</h1>
      {listed.isPending && <p>{t("loading")}</p>}
      {listed.isError && <p role="alert">{t("failed", { detail: listed.error.message })}</p>}
      {listed.data?.notifications.length === 0 && <p>{t("notifications.empty")}</p>}
      {!!listed.data?.notifications.length && (
        <ul className="todo">
          {listed.data.notifications.map((note) => (
            <li key={note.notification_id}>
              <h2 className="item-title">{note.title}</h2>
              <p>{note.body}</p>
              <span className="due">{dateFormat.format(new Date(note.created_at))}</span>
            </li>
          ))}
        </ul>
      )}
    </main>
  );
}
