// The analyst's strings, loaded with the analyst's screens.
import i18n from "i18next";

export const analystEn = {
  title: "Reports",
  dictionary: "Data dictionary: what every column means",
  usage: "Activity usage in the clinic",
  noUsage: "Nothing assigned yet.",
  activity: "Activity",
  assignments: "Assigned",
  submitted: "Completed",
  cancelled: "Cancelled",
  clients: "Clients",
  versions: "Versions",
  exports: "CSV exports",
  report: "Report",
  reports: {
    assignments: "Assignments",
    timeline: "Timeline of status changes",
    scores: "Scores",
    "risk-flags": "Risk flags",
    adherence: "Adherence per client",
    caseload: "A therapist's caseload",
    "activity-usage": "Activity usage",
  },
  client: "Client id (optional)",
  therapist: "Therapist id (the caseload needs it)",
  download: "Download CSV",
  downloaded: "{{file}} downloaded.",
};

export const analystEs: typeof analystEn = {
  title: "Informes",
  dictionary: "Diccionario de datos: qué significa cada columna",
  usage: "Uso de las actividades en la clínica",
  noUsage: "Aún no hay nada asignado.",
  activity: "Actividad",
  assignments: "Asignadas",
  submitted: "Completadas",
  cancelled: "Canceladas",
  clients: "Clientes",
  versions: "Versiones",
  exports: "Exportaciones CSV",
  report: "Informe",
  reports: {
    assignments: "Tareas",
    timeline: "Cronología de estados",
    scores: "Puntuaciones",
    "risk-flags": "Alertas de riesgo",
    adherence: "Adherencia por cliente",
    caseload: "Casos de un terapeuta",
    "activity-usage": "Uso de las actividades",
  },
  client: "Id del cliente (opcional)",
  therapist: "Id del terapeuta (necesario para los casos)",
  download: "Descargar CSV",
  downloaded: "{{file}} descargado.",
};

export function registerAnalystMessages(): void {
  i18n.addResourceBundle("en", "translation", { analyst: analystEn }, true, true);
  i18n.addResourceBundle("es", "translation", { analyst: analystEs }, true, true);
}
