// The operator's page: the admin token (kept in sessionStorage only), listing a market, the trading mode,
// fault rules, the exchange clock, simulations (where the server has them) and every API key.
// Pausing, tick sizes and resolving are on each market's page; funds on each account's page.

import { ApiError, adminToken, admin, forgetToken, useToken } from "./api.js";
import { choice, el, field, form, panel, short, table, when } from "./dom.js";

const MODES = ["normal", "cancel-only", "post-only", "disabled"];

function tokenPanel(ctx, rerender) {
  if (adminToken()) {
    return panel(
      "Admin token",
      el("p", {}, "The admin token is kept in this tab's session only."),
      el("button", { type: "button", onclick: () => { forgetToken(); ctx.operatorState(); rerender(); } }, "Forget the token"),
    );
  }
  return panel(
    "Admin token",
    el("p", { class: "muted" }, "Operator actions need the server's admin token (openclob serve --admin-token). It is kept in this tab's session only."),
    form([field("Admin token", "token", { type: "password", autocomplete: "off", required: true })], "Use", async (v) => {
      try {
        await useToken(v.token);
      } catch (error) {
        if (error.status === 401) throw new ApiError(401, "Refused: that is not the admin token.");
        throw error;
      }
      ctx.operatorState();
      setTimeout(rerender, 0);
      return "Token accepted.";
    }),
  );
}

function listMarket() {
  return panel(
    "List a market",
    form(
      [
        field("Question", "question", { required: true, size: 40 }),
        field("Outcomes", "outcomes", { value: "Yes, No" }),
        field("Tick size", "tick_size", { value: "0.01", inputmode: "decimal" }),
        field("Min size", "min_order_size", { value: "5", inputmode: "decimal" }),
      ],
      "List",
      async (v) => {
        const outcomes = v.outcomes.split(",").map((o) => o.trim()).filter(Boolean);
        const market = await admin("POST", "/admin/markets", { question: v.question, outcomes, tick_size: v.tick_size, min_order_size: v.min_order_size });
        location.hash = `#/market/${market.condition_id}`;
        return "Listed.";
      },
    ),
  );
}

async function tradingMode() {
  const { mode } = await admin("GET", "/admin/trading-mode");
  const select = choice("Mode", "mode", MODES.map((m) => [m, m]));
  select.querySelector("select").value = mode;
  return panel(
    "Trading mode",
    form([select], "Set", async (v) => `The exchange is ${(await admin("PUT", "/admin/trading-mode", { mode: v.mode })).mode}.`),
  );
}

async function faults() {
  const list = el("div", {});
  const draw = async () => {
    const rules = await admin("GET", "/admin/faults");
    list.replaceChildren(
      table(
        [
          ["Id", (r) => r.id],
          ["Rule", (r) => el("code", {}, JSON.stringify(Object.fromEntries(Object.entries(r).filter(([k]) => !["id", "fired", "left"].includes(k)))))],
          ["Fired", (r) => r.fired],
          ["Left", (r) => r.left ?? "∞"],
          ["", (r) => el("button", { type: "button", onclick: async () => { await admin("DELETE", `/admin/faults/${r.id}`); draw(); } }, "Remove")],
        ],
        rules,
        "No fault rule is in force.",
      ),
    );
  };
  await draw();
  return panel(
    "Fault rules",
    list,
    form([field("Rule (JSON)", "rule", { size: 50, placeholder: '{"kind": "status", "status": 500, "path": "/order", "count": 1}', required: true })], "Add", async (v) => {
      let rule;
      try {
        rule = JSON.parse(v.rule);
      } catch {
        throw new Error("The rule is not valid JSON.");
      }
      await admin("POST", "/admin/faults", rule);
      await draw();
      return "Added.";
    }),
    el("button", { type: "button", onclick: async () => { await admin("DELETE", "/admin/faults"); draw(); } }, "Clear all rules"),
  );
}

async function clock() {
  const state = el("p", {});
  const show = (c) => state.replaceChildren("Exchange time ", el("strong", {}, new Date(c.now_ms).toISOString()), c.frozen ? " (frozen)" : " (running)");
  show(await admin("GET", "/admin/clock"));
  return panel(
    "Exchange clock",
    state,
    form([field("Advance (ms)", "advance_ms", { inputmode: "numeric", value: "60000", required: true })], "Advance", async (v) => {
      const advance = Number(v.advance_ms);
      if (!Number.isInteger(advance) || advance < 0) throw new Error("Advance by a whole number of milliseconds, 0 or more.");
      show(await admin("POST", "/admin/clock", { advance_ms: advance }));
      return "Moved.";
    }),
    form([choice("Clock", "freeze", [["true", "Freeze"], ["false", "Run"]])], "Apply", async (v) => {
      show(await admin("POST", "/admin/clock", { freeze: v.freeze === "true" }));
      return "Done.";
    }),
  );
}

/** Simulations are another part of the server; the panel is left out where /admin/simulations is 404. */
async function simulations() {
  let data;
  try {
    data = await admin("GET", "/admin/simulations");
  } catch (error) {
    if (error.status === 404) return null;
    throw error;
  }
  return panel("Simulations", el("pre", { class: "scroll" }, JSON.stringify(data, null, 2)));
}

async function apiKeys() {
  const keys = await admin("GET", "/admin/api-keys");
  return panel(
    "API keys",
    table(
      [
        ["Address", (k) => el("a", { href: `#/account/${k.address}` }, short(k.address))],
        ["Key", (k) => el("code", {}, k.api_key)],
        ["Kind", (k) => (k.readonly ? "read-only" : "trading")],
        ["Created", (k) => when(k.created_at_ms)],
      ],
      keys,
      "No API keys.",
    ),
  );
}

/** A panel, or its error in its place (one failing panel does not hide the others). */
async function guarded(title, build) {
  try {
    return await build();
  } catch (error) {
    return panel(title, el("p", { class: "status error" }, error.message));
  }
}

export async function render(view, _arg, ctx) {
  const rerender = () => {
    view.replaceChildren();
    render(view, _arg, ctx);
  };
  view.append(el("h1", {}, "Operator"), tokenPanel(ctx, rerender));
  if (!adminToken()) return;
  const panels = await Promise.all([
    guarded("List a market", listMarket),
    guarded("Trading mode", tradingMode),
    guarded("Exchange clock", clock),
    guarded("Fault rules", faults),
    guarded("Simulations", simulations),
    guarded("API keys", apiKeys),
  ]);
  view.append(el("div", { class: "grid" }, panels.filter(Boolean)));
}
