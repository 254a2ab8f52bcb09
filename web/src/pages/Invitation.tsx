import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate, useParams } from "react-router-dom";
import { ApiError, request, type Account } from "../api";
import { useSession } from "../auth";

export const MIN_PASSWORD_LENGTH = 10;

/** An invitation link (/app/invitations/<code>): the invitee chooses a password, then is signed in. */
export function Invitation() {
  const { code = "" } = useParams();
  const { t } = useTranslation();
  const { signIn } = useSession();
  const navigate = useNavigate();
  const [password, setPassword] = useState("");
  const [repeated, setRepeated] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (password.length < MIN_PASSWORD_LENGTH) return setProblem(t("invitation.tooShort", { min: MIN_PASSWORD_LENGTH }));
    if (password !== repeated) return setProblem(t("invitation.mismatch"));
    setBusy(true);
    setProblem(null);
    try {
      const account = await request<Account>("/invitations/redeem", { method: "POST", body: { code, password } });
      await signIn(account.username, password);
      navigate("/", { replace: true });
    } catch (error) {
      setBusy(false);
      setProblem(error instanceof ApiError && error.problem.status === 401 ? t("invitation.invalid") : t("failed", { detail: (error as Error).message }));
    }
  }

  return (
    <main className="narrow">
      <h1>{t("invitation.title")}</h1>
      <p>{t("invitation.intro", { min: MIN_PASSWORD_LENGTH })}</p>
      <form onSubmit={submit} noValidate>
        <label htmlFor="new-password">{t("invitation.password")}</label>
        <input id="new-password" type="password" autoComplete="new-password" required minLength={MIN_PASSWORD_LENGTH}
          value={password} onChange={(e) => setPassword(e.target.value)} />
        <label htmlFor="repeat-password">{t("invitation.repeat")}</label>
        <input id="repeat-password" type="password" autoComplete="new-password" required
          value={repeated} onChange={(e) => setRepeated(e.target.value)} />
        {problem && <p role="alert" className="error">{problem}</p>}
        <button type="submit" disabled={busy}>{t("invitation.submit")}</button>
      </form>
    </main>
  );
}
