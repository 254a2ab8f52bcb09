import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { useSession } from "../auth";

export function SignIn() {
  const { t } = useTranslation();
  const { signIn } = useSession();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [failed, setFailed] = useState(false);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setFailed(false);
    try {
      await signIn(email.trim(), password);
    } catch {
      setFailed(true);
      setBusy(false);
    }
  }

  return (
    <main className="narrow">
      <h1>{t("signIn.title")}</h1>
      <form onSubmit={submit} noValidate>
        <label htmlFor="email">{t("signIn.email")}</label>
        <input id="email" type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} />
        <label htmlFor="password">{t("signIn.password")}</label>
        <input
          id="password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
        {failed && (
          <p role="alert" className="error">
            {t("signIn.failed")}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {t("signIn.submit")}
        </button>
      </form>
    </main>
  );
}
