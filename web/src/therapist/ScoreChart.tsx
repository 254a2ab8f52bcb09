import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { useSession } from "../auth";
import { formatDate } from "./queries";
import type { MeasureNorms, MeasureProgress } from "./types";

/** The measure's bands and cutoff in words: what the chart's shading and line show. */
function Norms({ norms }: { norms: MeasureNorms }) {
  const { t } = useTranslation();
  const bands = norms.bands.map((band) => `${band.label} ${band.lower}–${band.upper}`).join("; ");
  return (
    <p>
      {t("clientMore.norms", { name: norms.name, bands, cutoff: norms.cutoff })}{" "}
      {norms.lower_is_better ? t("clientMore.lowerIsBetter") : t("clientMore.higherIsBetter")}
    </p>
  );
}

/** The gateway's chart (bands, cutoff) fetched with the token into a blob: URL the CSP allows. */
function useChartUrl(path: string): string | null {
  const { token } = useSession();
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    let objectUrl: string | null = null;
    let live = true;
    void fetch(path, { headers: token ? { Authorization: `Bearer ${token}` } : {} })
      .then((response) => (response.ok ? response.blob() : null))
      .then((blob) => {
        if (!live || !blob) return;
        objectUrl = URL.createObjectURL(blob);
        setUrl(objectUrl);
      })
      .catch(() => undefined);
    return () => {
      live = false;
      if (objectUrl) URL.revokeObjectURL(objectUrl);
    };
  }, [path, token]);
  return url;
}

/** A measure's scores: the chart for the eye, the same numbers as a table for screen readers. */
export function ScoreChart({ clientId, progress }: { clientId: string; progress: MeasureProgress }) {
  const { t, i18n } = useTranslation();
  const chart = useChartUrl(`/clients/${encodeURIComponent(clientId)}/measures/${encodeURIComponent(progress.measure)}/chart.svg`);
  const captionId = `scores-${progress.measure}`;
  return (
    <section aria-labelledby={captionId}>
      <h3 id={captionId}>{progress.measure}</h3>
      {chart && <img src={chart} alt="" className="chart" />}
      {progress.change && <p>{t("client.change", { classification: t(`clientMore.classifications.${progress.change.classification}`, { defaultValue: progress.change.classification }) })}</p>}
      {progress.change && typeof progress.change.rci === "number" && (
        <p>
          {t("clientMore.reliableChange", {
            baseline: progress.change.baseline,
            latest: progress.change.latest,
            rci: progress.change.rci.toFixed(2),
          })}{" "}
          {progress.change.reliable ? t("clientMore.reliable") : t("clientMore.notReliable")}
        </p>
      )}
      {progress.norms && <Norms norms={progress.norms} />}
      <table>
        <caption>{t("client.scoresOf", { measure: progress.measure })}</caption>
        <thead>
          <tr>
            <th scope="col">{t("client.date")}</th>
            <th scope="col">{t("client.score")}</th>
            <th scope="col">{t("client.band")}</th>
            <th scope="col">{t("client.aboveCutoff")}</th>
          </tr>
        </thead>
        <tbody>
          {progress.series.map((point) => (
            <tr key={point.assignment_id}>
              <td>{formatDate(point.submitted_at, i18n.language)}</td>
              <td>{point.value}</td>
              <td>{point.band ?? "—"}</td>
              <td>{point.above_cutoff === null ? "—" : point.above_cutoff ? t("answer.yes") : t("answer.no")}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
