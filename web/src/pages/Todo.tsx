import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link, useLocation } from "react-router-dom";
import { isNetworkFailure, type Assignment, type TodoPage } from "../api";
import { useSession } from "../auth";

export function isOverdue(assignment: Assignment, now: Date = new Date()): boolean {
  return assignment.due_at !== null && new Date(assignment.due_at) < now;
}

export function Todo() {
  const { t, i18n } = useTranslation();
  const { call, token } = useSession();
  const location = useLocation();
  const todo = useQuery({ queryKey: ["todo", token], queryFn: () => call<TodoPage>("/me/todo?limit=100") });
  const dateFormat = new Intl.DateTimeFormat(i18n.language, { dateStyle: "medium", timeStyle: "short" });

  return (
    <main>
      <h1>{t("todo.title")}</h1>
      {(location.state as { submitted?: boolean } | null)?.submitted && <p role="status">{t("todo.done")}</p>}
      {(location.state as { queued?: boolean } | null)?.queued && <p role="status">{t("todo.queued")}</p>}
      {todo.isPending && <p>{t("loading")}</p>}
      {todo.isError && (
        <p role="alert">{isNetworkFailure(todo.error) ? t("offline.noCopy") : t("failed", { detail: todo.error.message })}</p>
      )}
      {todo.data && todo.data.assignments.length === 0 && <p>{t("todo.empty")}</p>}
      {todo.data && todo.data.assignments.length > 0 && (
        <ul className="todo">
          {todo.data.assignments.map((assignment) => {
            const overdue = isOverdue(assignment);
            return (
              <li key={assignment.assignment_id} className={overdue ? "overdue" : undefined}>
                <Link to={`/assignments/${assignment.assignment_id}`}>{assignment.title}</Link>
                <span className="due">
                  {assignment.due_at ? t("todo.due", { date: dateFormat.format(new Date(assignment.due_at)) }) : t("todo.noDueDate")}
                </span>
                {overdue && <strong className="badge">{t("todo.overdue")}</strong>}
              </li>
            );
          })}
        </ul>
      )}
    </main>
  );
}
