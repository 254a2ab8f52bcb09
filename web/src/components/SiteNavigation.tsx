import { useTranslation } from "react-i18next";
import { NavLink } from "react-router-dom";

/** A screen set's main navigation: each link is [path, accessible name]. */
export function SiteNavigation({ links }: { links: [string, string][] }) {
  const { t } = useTranslation();
  return (
    <nav aria-label={t("nav.label")}>
      <ul>
        {links.map(([to, name]) => (
          <li key={to}><NavLink to={to} end>{name}</NavLink></li>
        ))}
      </ul>
    </nav>
  );
}
