// "Invite a client": a one-time invitation the therapist passes on (the link is shown once).
import { useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { useSession } from "../auth";

interface Invitation {
  code: string;
  account: { account_id: string; username: string; display_name: string | null };
  expires_at: string;
}

export function InviteClient() {
  const { t, i18n } = useTranslation();
  const { call } = useSession();
  const queryClient = useQueryClient();
  const [email, setEmail] = useState("");
  const [name, setName] = useState("");
  const [invitation, setInvitation] = useState<Invitation | null>(null);
  const [failure, setFailure] = useState<string | null>(null);

  async function invite(event: FormEvent) {
    event.preventDefault();
    setFailure(null);
    setInvitation(null);
    try {
      const created = await call<Invitation>("/invitations", {
        method: "POST",
        body: { username: email.trim(), role: "client", display_name: name.trim() || null },
      });
      setInvitation(created);
      setEmail("");
      setName("");
      await queryClient.invalidateQueries({ queryKey: ["clients"] });
      await queryClient.invalidateQueries({ queryKey: ["caseload"] });
    } catch (error) {
      setFailure(t("failed", { detail: (error as Error).message }));
    }
  }

  const link = invitation ? `${window.location.origin}/app/invitations/${encodeURIComponent(invitation.code)}` : "";
  return (
    <section aria-labelledby="invite-heading">
      <h2 id="invite-heading">{t("invite.title")}</h2>
      <form onSubmit={invite}>
        <label htmlFor="invite-email">{t("invite.email")}</label>
        <input id="invite-email" type="email" required minLength={3} value={email} onChange={(e) => setEmail(e.target.value)} />
        <label htmlFor="invite-name">{t("invite.name")}</label>
        <input id="invite-name" type="text" maxLength={200} value={name} onChange={(e) => setName(e.target.value)} />
        <button type="submit">{t("invite.submit")}</button>
      </form>
      {failure && <p role="alert" className="error">{failure}</p>}
      {invitation && (
        <div role="status">
          <p>{t("invite.done", {
            name: invitation.account.display_name || invitation.account.username,
            date: new Intl.DateTimeFormat(i18n.language, { dateStyle: "medium" }).format(new Date(invitation.expires_at)),
          })}</p>
          <label htmlFor="invite-link">{t("invite.link")}</label>
          <input id="invite-link" type="text" readOnly value={link} onFocus={(e) => e.target.select()} />
        </div>
      )}
    </section>
  );
}
