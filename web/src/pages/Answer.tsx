import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate, useParams } from "react-router-dom";
import { ApiError, isNetworkFailure, type Answer as AnswerValue, type Item, type Page, type RenderedActivity } from "../api";
import { useSession } from "../auth";
import { answersToSend, visiblePages } from "../branching";
import { ItemField } from "../components/ItemField";
import { clearDraft, loadDraft, saveDraft, type Draft } from "../draft";
import { enqueue } from "../outbox";

type Errors = Record<string, string[]>;

function missingOn(page: Page, answers: Record<string, AnswerValue>, required: string): Errors {
  const missing: Errors = {};
  for (const item of page.items) {
    if (item.answerable && item.required !== false && answers[item.id] === undefined) missing[item.id] = [required];
  }
  return missing;
}

function firstPageWithError(pages: Page[], errors: Errors): number {
  const index = pages.findIndex((page) => page.items.some((item: Item) => errors[item.id]));
  return index < 0 ? 0 : index;
}

export function Answer() {
  const { assignmentId = "" } = useParams();
  const { t } = useTranslation();
  const { call, token } = useSession();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const rendered = useQuery({
    queryKey: ["render", assignmentId, token],
    queryFn: () => call<RenderedActivity>(`/assignments/${assignmentId}/render`),
  });
  const [draft, setDraft] = useState<Draft>(() => loadDraft(assignmentId));
  const [errors, setErrors] = useState<Errors>({});
  const [sending, setSending] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  const opened = useRef(false);
  const heading = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    if (opened.current) return;
    opened.current = true;
    call(`/assignments/${assignmentId}/open`, { method: "POST", body: {} }).catch(() => undefined);
  }, [assignmentId, call]);

  useEffect(() => saveDraft(assignmentId, draft), [assignmentId, draft]);

  if (rendered.isPending) return <main><p>{t("loading")}</p></main>;
  if (rendered.isError) {
    const message = isNetworkFailure(rendered.error) ? t("offline.noCopy") : t("failed", { detail: rendered.error.message });
    return <main><p role="alert">{message}</p></main>;
  }

  const activity = rendered.data;
  const pages = visiblePages(activity.pages, draft.answers);
  const pageIndex = Math.min(draft.page, pages.length - 1);
  const page = pages[pageIndex];
  const last = pageIndex === pages.length - 1;

  function goTo(index: number) {
    setDraft((current) => ({ ...current, page: index }));
    heading.current?.focus();
  }

  function change(itemId: string, value: AnswerValue | undefined) {
    setDraft((current) => {
      const answers = { ...current.answers };
      if (value === undefined) delete answers[itemId];
      else answers[itemId] = value;
      return { ...current, answers };
    });
    setErrors(({ [itemId]: _gone, ...rest }) => rest);
  }

  function next() {
    const missing = missingOn(page, draft.answers, t("answer.required"));
    setErrors(missing);
    if (Object.keys(missing).length === 0) goTo(pageIndex + 1);
  }

  async function submit() {
    const missing = missingOn(page, draft.answers, t("answer.required"));
    setErrors(missing);
    if (Object.keys(missing).length > 0) return;
    setSending(true);
    setFailure(null);
    const answers = answersToSend(activity.pages, draft.answers);
    const keepForLater = () => {
      // Offline: sent with the same Idempotency-Key when the connection returns (the draft stays until then).
      enqueue({ assignmentId, answers, idempotencyKey: draft.idempotencyKey });
      navigate("/", { state: { queued: true } });
    };
    if (!navigator.onLine) return keepForLater();
    try {
      await call(`/assignments/${assignmentId}/responses`, {
        method: "POST",
        body: { answers },
        headers: { "Idempotency-Key": draft.idempotencyKey },
      });
      clearDraft(assignmentId);
      await queryClient.invalidateQueries({ queryKey: ["todo"] });
      navigate("/", { state: { submitted: true } });
    } catch (error) {
      if (isNetworkFailure(error)) return keepForLater();
      setSending(false);
      if (error instanceof ApiError && error.problem.status === 422 && Object.keys(error.answerErrors).length) {
        setErrors(error.answerErrors);
        setFailure(t("answer.fixErrors"));
        goTo(firstPageWithError(pages, error.answerErrors));
      } else {
        setFailure(t("failed", { detail: (error as Error).message }));
      }
    }
  }

  return (
    <main>
      <p>
        <Link to="/">{t("answer.backToList")}</Link>
      </p>
      <h1 ref={heading} tabIndex={-1}>{activity.title}</h1>
      {pageIndex === 0 && activity.instructions && <p className="display-text">{activity.instructions}</p>}
      <form
        onSubmit={(event) => {
          event.preventDefault();
          if (last) void submit();
          else next();
        }}
        noValidate
      >
        {page.title && <h2>{page.title}</h2>}
        <p className="progress">{t("answer.pageOf", { page: pageIndex + 1, pages: pages.length })}</p>
        {page.items.map((item) => (
          <ItemField key={item.id} item={item} value={draft.answers[item.id]} errors={errors[item.id] ?? []}
            onChange={(value) => change(item.id, value)} />
        ))}
        {failure && <p role="alert" className="error">{failure}</p>}
        <div className="actions">
          {pageIndex > 0 && (
            <button type="button" className="secondary" onClick={() => goTo(pageIndex - 1)}>
              {t("answer.back")}
            </button>
          )}
          {last ? (
            <button type="submit" disabled={sending}>{sending ? t("answer.sending") : t("answer.submit")}</button>
          ) : (
            <button type="submit">{t("answer.next")}</button>
          )}
        </div>
      </form>
    </main>
  );
}
