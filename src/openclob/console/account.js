// An account: balances (collateral and each token, reserved and available), open orders, trades and API keys,
// read through the admin API (the public API shows an account only to its own keys). With the admin token
// the operator can also deposit, withdraw, split and merge here.

import { adminToken, admin, all } from "./api.js";
import { choice, el, field, form, num, panel, short, table, when } from "./dom.js";

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

export async function render(view, address) {
  const input = el("input", { name: "address", value: address, placeholder: "0x… address", required: true, pattern: ADDRESS.source, "aria-label": "Address" });
  const pick = el("form", { class: "bar" }, el("h1", {}, "Account"), input, el("button", { type: "submit" }, "Show"));
  pick.addEventListener("submit", (event) => {
    event.preventDefault();
    location.hash = `#/account/${input.value.trim()}`;
  });
  view.append(pick);
  if (!address) return;
  if (!ADDRESS.test(address)) {
    view.append(el("p", { class: "status error" }, "An address is 0x and 40 hex digits."));
    return;
  }
  if (!adminToken()) {
    view.append(el("p", { class: "status" }, "Accounts are read through the admin API: enter the admin token on the ", el("a", { href: "#/operator" }, "Operator"), " page."));
    return;
  }
  const markets = await all("/markets");
  const tokenNames = new Map();
  for (const m of markets) for (const t of m.tokens) tokenNames.set(t.token_id, `${m.question} · ${t.outcome}`);
  const asset = (id) => (id === "COLLATERAL" ? "Collateral" : tokenNames.get(id) || short(id));
  const q = encodeURIComponent(address);

  const balances = el("div", {});
  const drawBalances = async () => {
    const rows = await admin("GET", `/admin/balances?address=${q}`);
    balances.replaceChildren(
      table(
        [
          ["Asset", (b) => asset(b.asset)],
          ["Available", (b) => num(b.free, 6)],
          ["Reserved", (b) => num(b.reserved, 6)],
          ["Total", (b) => num(b.balance, 6)],
          ["Pending", (b) => num(b.pending, 6)],
        ],
        rows,
        "Holds nothing.",
      ),
    );
  };
  const [orders, trades, keys] = await Promise.all([
    admin("GET", `/admin/orders?address=${q}`),
    admin("GET", `/admin/trades?address=${q}`),
    admin("GET", `/admin/api-keys?address=${q}`),
  ]);
  await drawBalances();
  const marketOptions = markets.filter((m) => !m.closed).map((m) => [m.condition_id, m.question || m.condition_id]);
  const after = (fn) => async (values) => {
    const message = await fn(values);
    await drawBalances();
    return message;
  };
  view.append(
    el("p", { class: "muted" }, el("code", {}, address.toLowerCase())),
    el(
      "div", { class: "grid" },
      panel("Balances", balances),
      panel(
        "Funds",
        form([field("Amount", "amount", { inputmode: "decimal", placeholder: "100 (negative withdraws)", required: true })], "Deposit / withdraw",
          after(async (v) => `Collateral ${(await admin("POST", "/admin/balances", { address, asset: "COLLATERAL", amount: v.amount })).balance}.`)),
        marketOptions.length
          ? form([choice("Market", "condition_id", marketOptions), field("Amount", "amount", { inputmode: "decimal", required: true }), choice("Action", "kind", [["split", "Split"], ["merge", "Merge"]])], "Convert",
            after(async (v) => {
              await admin("POST", `/admin/${v.kind}`, { address, condition_id: v.condition_id, amount: v.amount });
              return v.kind === "split" ? "Split." : "Merged.";
            }))
          : el("p", { class: "muted" }, "No open market to split or merge."),
      ),
      panel(
        "Open orders",
        table(
          [
            ["Market", (o) => el("a", { href: `#/market/${o.market}` }, asset(o.asset_id))],
            ["Side", (o) => el("span", { class: o.side === "BUY" ? "buy" : "sell" }, o.side)],
            ["Price", (o) => num(o.price)],
            ["Size", (o) => num(o.original_size, 2)],
            ["Matched", (o) => num(o.size_matched, 2)],
            ["Type", (o) => o.order_type],
            ["Placed", (o) => when(o.created_at)],
          ],
          orders.data,
          "No open orders.",
        ),
      ),
      panel(
        "Trades",
        table(
          [
            ["Time", (t) => when(t.match_time)],
            ["Market", (t) => el("a", { href: `#/market/${t.market}` }, asset(t.asset_id))],
            ["Role", (t) => t.trader_side],
            ["Side", (t) => t.side],
            ["Price", (t) => num(t.price)],
            ["Size", (t) => num(t.size, 2)],
            ["Status", (t) => t.status],
          ],
          trades.data,
          "No trades.",
        ),
      ),
      panel(
        "API keys",
        table(
          [
            ["Key", (k) => el("code", {}, k.api_key)],
            ["Kind", (k) => (k.readonly ? "read-only" : "trading")],
            ["Created", (k) => when(k.created_at_ms)],
          ],
          keys,
          "No API keys.",
        ),
      ),
    ),
  );
}
