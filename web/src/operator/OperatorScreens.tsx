// The operator's screen (a lazy chunk): open a clinic (POST /clinics), which gives its first admin a
// one-time invitation shown here once, and the clinics already open. The operator sees nothing inside
// a clinic; the gateway refuses every other route to the role.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Navigate, Route, Routes } from "react-router-dom";
import { useSession } from "../auth";
import { registerOperatorMessages } from "./messages";

registerOperatorMessages();

interface Clinic {
  clinic_id: string;
  name: string;
  created_at: string;
}

interface OpenedClinic {
  clinic: Clinic;
  invitation: { code: string; expires_at: string; account: { username: string } };
}

function OpenClinic() {
  const { t, i18n } = useTranslation();
  const { call } = useSession();
  const queryClient = useQueryClient();
  const [name, setName] = useState("");
  const [admin, setAdmin] = useState("");
  const [opened, setOpened] = useState<OpenedClinic | null>(null);
  const [failure, setFailure] = useState<string | null>(null);

  async function open(event: FormEvent) {
    event.preventDefault();
    setFailure(null);
    setOpened(null);
    try {
      const body = { name: name.trim(), admin_username: admin.trim() };
      setOpened(await call<OpenedClinic>("/clinics", { method: "POST", body }));
      setName("");
      setAdmin("");
      await queryClient.invalidateQueries({ queryKey: ["clinics"] });
    } catch (error) {
      setFailure(t("failed", { detail: (error as Error).message }));
    }
  }

  const link = opened ? `${window.location.origin}/app/invitations/${encodeURIComponent(opened.invitation.code)}` : "";
  return (
    <section aria-labelledby="open-clinic-heading">
      <h2 id="open-clinic-heading">{t("operator.open.title")}</h2>
      <form onSubmit={open}>
        <label htmlFor="clinic-name">{t("operator.open.name")}</label>
        <input id="clinic-name" type="text" required maxLength={200} value={name} onChange={(e) => setName(e.target.value)} />
        <label htmlFor="clinic-admin">{t("operator.open.admin")}</label>
        <input id="clinic-admin" type="email" required minLength={3} maxLength={200} value={admin}
          onChange={(e) => setAdmin(e.target.value)} />
        <button type="submit">{t("operator.open.submit")}</button>
      </form>
      {failure && <p role="alert" className="error">{failure}</p>}
      {opened && (
        <div role="status">
          <p>{t("operator.open.done", {
            clinic: opened.clinic.name,
            username: opened.invitation.account.username,
            date: new Intl.DateTimeFormat(i18n.language, { dateStyle: "medium" }).format(new Date(opened.invitation.expires_at)),
          })}</p>
          <label htmlFor="clinic-admin-link">{t("operator.open.link")}</label>
          <input id="clinic-admin-link" type="text" readOnly value={link} onFocus={(e) => e.target.select()} />
        </div>
      )}
    </section>
  );
}

function ClinicList() {
  const { t, i18n } = useTranslation();
  const { call, token } = useSession();
  const clinics = useQuery({ queryKey: ["clinics", token], queryFn: () => call<{ clinics: Clinic[] }>("/clinics?limit=100") });
  const when = new Intl.DateTimeFormat(i18n.language, { dateStyle: "medium" });
  const shown = clinics.data?.clinics ?? [];
  return (
    <section aria-labelledby="clinics-heading">
      <h2 id="clinics-heading">{t("operator.list.title")}</h2>
      {clinics.isPending && <p>{t("loading")}</p>}
      {clinics.isError && <p role="alert" className="error">{t("failed", { detail: clinics.error.message })}</p>}
      {clinics.data && shown.length === 0 && <p>{t("operator.list.empty")}</p>}
      {shown.length > 0 && (
        <table>
          <caption className="visually-hidden">{t("operator.list.title")}</caption>
          <thead>
            <tr>
              <th scope="col">{t("operator.list.name")}</th>
              <th scope="col">{t("operator.list.opened")}</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((clinic) => (
              <tr key={clinic.clinic_id}>
                <th scope="row">{clinic.name}</th>
                <td>{when.format(new Date(clinic.created_at))}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

export function Clinics() {
  const { t } = useTranslation();
  return (
    <main>
      <h1>{t("operator.title")}</h1>
      <OpenClinic />
      <ClinicList />
    </main>
  );
}

export default function OperatorScreens() {
  return (
    <Routes>
      <Route path="/" element={<Clinics />} />
      <Route path="*" element={<Navigate to="/" replace />} />
    </Routes>
  );
}
