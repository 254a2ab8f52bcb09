import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import type { Preferences as Stored } from "../api";
import { useSession } from "../auth";

export const CHANNELS = ["email", "webhook"] as const;
const SENT = ["name", "email", "push_address", "channels", "opted_out", "time_zone", "quiet_hours"];

function timeZones(current: string): string[] {
  const known = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
  return Array.from(new Set(["UTC", current, ...known]));
}

function PreferencesForm({ stored }: { stored: Stored }) {
  const { t } = useTranslation();
  const { call } = useSession();
  const queryClient = useQueryClient();
  const [channels, setChannels] = useState<string[]>(stored.channels);
  const [optedOut, setOptedOut] = useState(stored.opted_out);
  const [timeZone, setTimeZone] = useState(stored.time_zone);
  const [quiet, setQuiet] = useState(stored.quiet_hours !== null);
  const [start, setStart] = useState(stored.quiet_hours?.start ?? "21:00");
  const [end, setEnd] = useState(stored.quiet_hours?.end ?? "08:00");
  const [outcome, setOutcome] = useState<{ ok: boolean; text: string } | null>(null);

  function toggle(channel: string, on: boolean) {
    setChannels((current) => (on ? [...current, channel] : current.filter((c) => c !== channel)));
  }

  async function save(event: FormEvent) {
    event.preventDefault();
    const kept = Object.fromEntries(Object.entries(stored).filter(([key]) => SENT.includes(key)));
    const body = { ...kept, channels, opted_out: optedOut, time_zone: timeZone, quiet_hours: quiet ? { start, end } : null };
    try {
      const saved = await call<Stored>("/me/notification-preferences", { method: "PUT", body });
      queryClient.setQueryData(["preferences"], saved);
      setOutcome({ ok: true, text: t("preferences.saved") });
    } catch (error) {
      setOutcome({ ok: false, text: t("failed", { detail: (error as Error).message }) });
    }
  }

  return (
    <form onSubmit={save} noValidate>
      <fieldset>
        <legend>{t("preferences.channels")}</legend>
        {CHANNELS.map((channel) => (
          <div className="option" key={channel}>
            <input id={`channel-${channel}`} type="checkbox" checked={channels.includes(channel)}
              onChange={(e) => toggle(channel, e.target.checked)} />
            <label htmlFor={`channel-${channel}`}>{t(`preferences.channel.${channel}`)}</label>
          </div>
        ))}
      </fieldset>
      <div className="option">
        <input id="opted-out" type="checkbox" checked={optedOut} onChange={(e) => setOptedOut(e.target.checked)} />
        <label htmlFor="opted-out">{t("preferences.optedOut")}</label>
      </div>
      <fieldset>
        <legend>{t("preferences.quietHours")}</legend>
        <div className="option">
          <input id="quiet" type="checkbox" checked={quiet} onChange={(e) => setQuiet(e.target.checked)} />
          <label htmlFor="quiet">{t("preferences.useQuietHours")}</label>
        </div>
        <label htmlFor="quiet-start">{t("preferences.from")}</label>
        <input id="quiet-start" type="time" value={start} disabled={!quiet} onChange={(e) => setStart(e.target.value)} />
        <label htmlFor="quiet-end">{t("preferences.until")}</label>
        <input id="quiet-end" type="time" value={end} disabled={!quiet} onChange={(e) => setEnd(e.target.value)} />
      </fieldset>
      <label htmlFor="time-zone">{t("preferences.timeZone")}</label>
      <select id="time-zone" value={timeZone} onChange={(e) => setTimeZone(e.target.value)}>
        {timeZones(stored.time_zone).map((zone) => (
          <option key={zone} value={zone}>{zone}</option>
        ))}
      </select>
      {outcome && <p role={outcome.ok ? "status" : "alert"} className={outcome.ok ? undefined : "error"}>{outcome.text}</p>}
      <button type="submit">{t("preferences.save")}</button>
    </form>
  );
}

export function Preferences() {
  const { t } = useTranslation();
  const { call } = useSession();
  const stored = useQuery({ queryKey: ["preferences"], queryFn: () => call<Stored>("/me/notification-preferences") });
  return (
    <main className="narrow">
      <h1>{t("preferences.title")}</h1>
      {stored.isPending && <p>{t("loading")}</p>}
      {stored.isError && <p role="alert">{t("failed", { detail: stored.error.message })}</p>}
      {stored.data && <PreferencesForm stored={stored.data} />}
    </main>
  );
}
