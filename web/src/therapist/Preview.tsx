// The activity as the client will see it: the client's own components and branching, page by page,
// with the personalisation tokens filled in with sample names.
import { useState } from "react";
import { useTranslation } from "react-i18next";
import type { Answer, Answers, Item, ShowIf } from "../api";
import { shown } from "../branching";
import { ItemField } from "../components/ItemField";
import { pagesOf, personalised, previewItemOf, type BuilderState } from "./builder";

interface PreviewPage {
  id: string;
  title: string;
  showIf: ShowIf | undefined;
  items: (Item & { source: string })[];
}

function previewPages(state: BuilderState, fill: (text: string) => string): PreviewPage[] {
  const items = state.items.map((item) => {
    const rendered = JSON.parse(fill(JSON.stringify(previewItemOf(item, state.items)))) as Item;
    return { ...rendered, id: `preview-${item.id}`, source: item.id };
  });
  const pages = pagesOf(state.items) ?? [{ id: "only", item_ids: state.items.map((item) => item.id) }];
  return pages.map((page) => ({
    id: page.id as string,
    title: fill((page.title as string | undefined) ?? ""),
    showIf: page.show_if as ShowIf | undefined,
    items: items.filter((item) => (page.item_ids as string[]).includes(item.source)),
  }));
}

export function Preview({ state }: { state: BuilderState }) {
  const { t } = useTranslation();
  const [answers, setAnswers] = useState<Answers>({});
  const samples = {
    "client.first_name": t("builder.samples.client"),
    "therapist.name": t("builder.samples.therapist"),
    "clinic.name": t("builder.samples.clinic"),
  };
  const fill = (text: string) => personalised(text, samples);
  const pages = previewPages(state, fill);
  const set = (itemId: string, value: Answer | undefined) =>
    setAnswers((current) => {
      const next = { ...current };
      if (value === undefined) delete next[itemId];
      else next[itemId] = value;
      return next;
    });
  return (
    <section aria-labelledby="preview-heading" className="preview">
      <h2 id="preview-heading">{t("builder.preview")}</h2>
      <p className="hint">{t("builder.previewNames")}</p>
      {state.title && <p className="preview-title">{fill(state.title)}</p>}
      {state.instructions && <p>{fill(state.instructions)}</p>}
      {pages.filter((page) => shown(page.showIf, answers)).map((page, p) => (
        <div key={page.id} className="preview-page">
          {pages.length > 1 && <h3>{t("answer.pageOf", { page: p + 1, pages: pages.length })}{page.title ? `: ${page.title}` : ""}</h3>}
          {page.items
            .filter((item) => shown(item.show_if, answers))
            .map(({ source, ...item }) => (
              <ItemField key={item.id} item={item} value={answers[source]} errors={[]} onChange={(value) => set(source, value)} />
            ))}
        </div>
      ))}
    </section>
  );
}
