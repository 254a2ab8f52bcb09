// A timed practice: a timer the client starts and pauses, playing the item's audio (or video) with it.
// The answer is the whole seconds practised (the contract: 0..duration_seconds), kept in the draft as
// it runs, so a reload resumes from there. A screen reader hears the milestones (start, pause, each
// minute left, the end) from a polite live region, not every second.
import { useCallback, useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import type { Answer, Item } from "../api";
import { MediaView } from "./MediaView";

interface Props {
  item: Item;
  value: Answer | undefined;
  errors: string[];
  errorId: string;
  onChange: (value: Answer | undefined) => void;
}

const TICK_MS = 250;

/** "4:05" for 245 seconds. */
export function clock(seconds: number): string {
  const minutes = Math.floor(seconds / 60);
  return `${minutes}:${String(seconds % 60).padStart(2, "0")}`;
}

export function TimedPractice({ item, value, errors, errorId, onChange }: Props) {
  const { t } = useTranslation();
  const duration = item.duration_seconds ?? 0;
  const [elapsed, setElapsed] = useState(() => (typeof value === "number" ? Math.min(value, duration) : 0));
  const [running, setRunning] = useState(false);
  const [announcement, setAnnouncement] = useState("");
  // Set while the clock runs, synchronously (the media's events can arrive before a re-render).
  const started = useRef<{ at: number; from: number } | null>(null);
  const [media, setMedia] = useState<HTMLMediaElement | null>(null);
  const remaining = duration - elapsed;
  const complete = remaining <= 0;

  const spoken = useCallback(
    (seconds: number) => {
      const minutes = Math.floor(seconds / 60);
      const rest = seconds % 60;
      if (minutes === 0) return t("practice.seconds", { count: rest });
      if (rest === 0) return t("practice.minutes", { count: minutes });
      return `${t("practice.minutes", { count: minutes })} ${t("practice.seconds", { count: rest })}`;
    },
    [t],
  );

  const start = useCallback(() => {
    if (started.current || complete) return;
    started.current = { at: Date.now(), from: elapsed };
    setRunning(true);
    setAnnouncement(t("practice.started", { remaining: spoken(remaining) }));
    void media?.play()?.catch(() => undefined);
  }, [complete, elapsed, remaining, media, spoken, t]);

  const pause = useCallback(() => {
    if (!started.current) return;
    started.current = null;
    setRunning(false);
    setAnnouncement(t("practice.paused", { remaining: spoken(remaining) }));
    media?.pause();
  }, [remaining, media, spoken, t]);

  // The clock is the wall clock: a throttled background tab still counts the time practised.
  useEffect(() => {
    if (!running) return;
    const timer = window.setInterval(() => {
      const since = started.current;
      if (!since) return;
      const now = Math.min(duration, since.from + Math.floor((Date.now() - since.at) / 1000));
      setElapsed(now);
    }, TICK_MS);
    return () => window.clearInterval(timer);
  }, [running, duration]);

  // Each new second is the answer so far; whole minutes left and the end are announced.
  const recorded = useRef(value);
  useEffect(() => {
    if (!running && elapsed === 0 && recorded.current === undefined) return;
    if (recorded.current !== elapsed) {
      recorded.current = elapsed;
      onChange(elapsed);
    }
    if (!running) return;
    if (elapsed >= duration) {
      started.current = null;
      setRunning(false);
      setAnnouncement(t("practice.complete"));
      media?.pause();
    } else if (remaining % 60 === 0 && remaining !== duration) {
      setAnnouncement(t("practice.left", { remaining: spoken(remaining) }));
    }
  }, [elapsed, running, duration, remaining, media, onChange, spoken, t]);

  // The media's own controls drive the timer too: playing starts it, pausing pauses it.
  useEffect(() => {
    const element = media;
    if (!element) return;
    const onPlay = () => start();
    const onPause = () => {
      if (!element.ended) pause();
    };
    element.addEventListener("play", onPlay);
    element.addEventListener("pause", onPause);
    return () => {
      element.removeEventListener("play", onPlay);
      element.removeEventListener("pause", onPause);
    };
  }, [media, start, pause]);

  const timerId = `${item.id}-timer`;
  return (
    <fieldset className="item practice" aria-describedby={errors.length ? errorId : undefined} aria-invalid={errors.length > 0 || undefined}>
      <legend>{item.prompt}</legend>
      {item.media && <MediaView media={item.media} mediaRef={setMedia} />}
      <p id={timerId} role="timer" className="timer" aria-label={t("practice.remainingLabel")}>
        {clock(Math.max(remaining, 0))}
      </p>
      <p className="hint">
        {complete ? t("practice.done", { time: clock(duration) }) : t("practice.practised", { time: clock(elapsed), total: clock(duration) })}
      </p>
      {!complete && (
        <button type="button" aria-describedby={timerId} onClick={running ? pause : start}>
          {running ? t("practice.pause") : elapsed > 0 ? t("practice.resume") : t("practice.start")}
        </button>
      )}
      <p role="status" className="visually-hidden">{announcement}</p>
      {errors.length > 0 && (
        <p id={errorId} className="error">
          {errors.join(" ")}
        </p>
      )}
    </fieldset>
  );
}
