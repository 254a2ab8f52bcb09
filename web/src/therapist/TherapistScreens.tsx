// The therapists' workspace: loaded on demand, so a client's phone never downloads it.
import { useTranslation } from "react-i18next";
import { Navigate, NavLink, Route, Routes } from "react-router-dom";
import { Activities } from "./Activities";
import { ActivityEditor } from "./ActivityEditor";
import { Caseload } from "./Caseload";
import { ClientPage } from "./ClientPage";
import { Groups } from "./Groups";
import { Pathways } from "./Pathways";

export default function TherapistScreens() {
  const { t } = useTranslation();
  return (
    <>
      <nav aria-label={t("nav.label")}>
        <ul>
          <li><NavLink to="/" end>{t("caseload.title")}</NavLink></li>
          <li><NavLink to="/activities">{t("activities.nav")}</NavLink></li>
          <li><NavLink to="/pathways">{t("pathways.title")}</NavLink></li>
          <li><NavLink to="/groups">{t("groups.title")}</NavLink></li>
        </ul>
      </nav>
      <Routes>
        <Route path="/" element={<Caseload />} />
        <Route path="/clients/:clientId" element={<ClientPage />} />
        <Route path="/activities" element={<Activities />} />
        <Route path="/activities/new" element={<ActivityEditor />} />
        <Route path="/activities/:activityId" element={<ActivityEditor />} />
        <Route path="/pathways" element={<Pathways />} />
        <Route path="/groups" element={<Groups />} />
        <Route path="*" element={<Navigate to="/" replace />} />
      </Routes>
    </>
  );
}
