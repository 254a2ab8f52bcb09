// An item's image, audio or video. The gateway's media are behind the API's token: fetched, then shown
// from a blob: URL. Media on another site are offered as a link (the app's CSP loads nothing from
// elsewhere, and opening it is the client's choice).
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import type { Media } from "../api";
import { useSession } from "../auth";

export function MediaView({ media, mediaRef }: { media: Media; mediaRef?: (element: HTMLMediaElement | null) => void }) {
  const { t } = useTranslation();
  const { token } = useSession();
  const [source, setSource] = useState<string | null>(null);
  const address = new URL(media.url, window.location.origin);
  const elsewhere = address.origin !== window.location.origin;

  useEffect(() => {
    if (elsewhere) return;
    let revoked = false;
    let url: string | null = null;
    fetch(address.pathname, { headers: token ? { Authorization: `Bearer ${token}` } : {} })
      .then((response) => (response.ok ? response.blob() : Promise.reject(new Error(String(response.status)))))
      .then((blob) => {
        if (revoked) return;
        url = URL.createObjectURL(blob);
        setSource(url);
      })
      .catch(() => undefined);
    return () => {
      revoked = true;
      if (url) URL.revokeObjectURL(url);
    };
  }, [address.pathname, elsewhere, token]);

  if (elsewhere) {
    return (
      <p>
        <a href={media.url} target="_blank" rel="noopener noreferrer">
          {t(`media.open.${media.kind}`, { title: media.title ?? media.alt ?? "" })}
        </a>
      </p>
    );
  }
  if (!source) return null;
  if (media.kind === "image") return <img src={source} alt={media.alt ?? ""} />;
  if (media.kind === "audio") return <audio ref={mediaRef} controls src={source} title={media.title} aria-label={media.title} />;
  return <video ref={mediaRef} controls src={source} title={media.title} aria-label={media.title} />;
}
