import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import axe from "axe-core";
import { afterEach, describe, expect, it, vi } from "vitest";
import { App } from "../App";
import { fakeApi } from "../test/fakeApi";
import { operatorEn, operatorEs } from "./messages";

const OPERATOR_TOKEN = `eyJhbGciOiJIUzI1NiJ9.${btoa(JSON.stringify({ sub: "operator-demo", role: "operator" })).replace(/=+$/, "")}.signature`;
const DEMO = { clinic_id: "clinic-demo", name: "Demo clinic", created_at: "2026-01-05T09:00:00Z" };
const HARBOUR = { clinic_id: "clinic-harbour", name: "Harbour Clinic", created_at: "2026-11-29T09:00:00Z" };

function keys(catalog: object, prefix = ""): string[] {
  return Object.entries(catalog).flatMap(([key, value]) => (typeof value === "object" ? keys(value, `${prefix}${key}.`) : [`${prefix}${key}`]));
}

async function seriousViolations(container: HTMLElement): Promise<string[]> {
  const results = await axe.run(container, { rules: { "color-contrast": { enabled: false } } });
  return results.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => v.id);
}

afterEach(() => vi.unstubAllGlobals());

describe("the operator", () => {
  it("has every message in Spanish too", () => {
    expect(keys(operatorEs).sort()).toEqual(keys(operatorEn).sort());
  });

  it("opens a clinic and is shown its first admin's invitation link once, the clinic then listed", async () => {
    let opened = false;
    const calls = fakeApi({
      "GET /clinics?limit=100": () => ({ status: 200, body: { clinics: opened ? [DEMO, HARBOUR] : [DEMO] } }),
      "POST /clinics": () => {
        opened = true;
        return {
          status: 201,
          body: {
            clinic: HARBOUR,
            invitation: {
              code: "first-admin-code",
              expires_at: "2026-12-06T09:00:00Z",
              account: { account_id: "a1", username: "admin@harbour.example", role: "clinic_admin" },
            },
          },
        };
      },
    });
    const user = userEvent.setup();
    const { container } = render(<App initialPath="/" token={OPERATOR_TOKEN} />);

    expect(await screen.findByRole("heading", { name: "Clinics", level: 1 })).toBeInTheDocument();
    expect(await screen.findByRole("rowheader", { name: "Demo clinic" })).toBeInTheDocument();
    await user.type(screen.getByLabelText("Clinic name"), "Harbour Clinic");
    await user.type(screen.getByLabelText("First admin's email"), "admin@harbour.example");
    await user.click(screen.getByRole("button", { name: "Open clinic" }));

    const status = await screen.findByRole("status");
    expect(status).toHaveTextContent("Harbour Clinic is open. Give admin@harbour.example this link");
    expect(within(status).getByLabelText("Invitation link for the first admin")).toHaveValue(`${window.location.origin}/app/invitations/first-admin-code`);
    expect(calls.find((c) => c.method === "POST")?.body).toEqual({ name: "Harbour Clinic", admin_username: "admin@harbour.example" });
    expect(await screen.findByRole("rowheader", { name: "Harbour Clinic" })).toBeInTheDocument();
    expect(screen.getByLabelText("Clinic name")).toHaveValue("");
    expect(await seriousViolations(container)).toEqual([]);
  });

  it("shows the gateway's refusal and keeps what was typed", async () => {
    fakeApi({
      "GET /clinics?limit=100": { status: 200, body: { clinics: [] } },
      "POST /clinics": { status: 409, body: { detail: "That username is taken." } },
    });
    const user = userEvent.setup();
    render(<App initialPath="/" token={OPERATOR_TOKEN} />);

    expect(await screen.findByText("No clinics yet.")).toBeInTheDocument();
    await user.type(screen.getByLabelText("Clinic name"), "Harbour Clinic");
    await user.type(screen.getByLabelText("First admin's email"), "admin@demo.clinic");
    await user.click(screen.getByRole("button", { name: "Open clinic" }));

    expect(await screen.findByRole("alert")).toHaveTextContent("That username is taken.");
    expect(screen.getByLabelText("Clinic name")).toHaveValue("Harbour Clinic");
    expect(screen.queryByRole("status")).not.toBeInTheDocument();
  });
});
