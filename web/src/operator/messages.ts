// The operator's strings, loaded with the operator's screens (a client's phone never downloads them).
import i18n from "i18next";

export const operatorEn = {
  title: "Clinics",
  open: {
    title: "Open a clinic",
    name: "Clinic name",
    admin: "First admin's email",
    submit: "Open clinic",
    done: "{{clinic}} is open. Give {{username}} this link to become its first admin (it works once, until {{date}}):",
    link: "Invitation link for the first admin",
  },
  list: {
    title: "Open clinics",
    empty: "No clinics yet.",
    name: "Clinic",
    opened: "Opened",
  },
};

export const operatorEs: typeof operatorEn = {
  title: "Clínicas",
  open: {
    title: "Abrir una clínica",
    name: "Nombre de la clínica",
    admin: "Correo de la primera persona administradora",
    submit: "Abrir la clínica",
    done: "{{clinic}} está abierta. Dale a {{username}} este enlace para ser su primera administradora (sirve una vez, hasta el {{date}}):",
    link: "Enlace de invitación para la primera administración",
  },
  list: {
    title: "Clínicas abiertas",
    empty: "Aún no hay clínicas.",
    name: "Clínica",
    opened: "Abierta el",
  },
};

export function registerOperatorMessages(): void {
  i18n.addResourceBundle("en", "translation", { operator: operatorEn }, true, true);
  i18n.addResourceBundle("es", "translation", { operator: operatorEs }, true, true);
}
