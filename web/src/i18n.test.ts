import { describe, expect, it } from "vitest";
import { en, es } from "./i18n";

function keys(catalog: object, prefix = ""): string[] {
  return Object.entries(catalog).flatMap(([key, value]) =>
    typeof value === "object" ? keys(value, `${prefix}${key}.`) : [`${prefix}${key}`],
  );
}

describe("message catalogs", () => {
  it("has every English message in Spanish too", () => {
    expect(keys(es).sort()).toEqual(keys(en).sort());
  });
});
