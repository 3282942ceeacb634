// The markets list: best bid, best ask and last price of each market's first outcome, 24 h volume, status.

import { all, get, post } from "./api.js";
import { el, num, table } from "./dom.js";

const DAY_S = 86_400;

/** A market's status word. */
export function status(market) {
  if (market.closed) {
    const winner = market.tokens.find((t) => t.winner);
    return winner ? `resolved: ${winner.outcome}` : "resolved";
  }
  return market.accepting_orders ? "open" : "paused";
}

/** Collateral traded in the last 24 h, from the market's recent trades (the server keeps the latest 100). */
async function volume(market, nowS) {
  const trades = await get(`/live-activity/events/${market.condition_id}`);
  return trades
    .filter((trade) => Number(trade.timestamp) >= nowS - DAY_S)
    .reduce((total, trade) => total + Number(trade.size) * Number(trade.price), 0);
}

const best = (levels, pick) => (levels.length ? pick(...levels.map((l) => Number(l.price))) : null);

export async function render(view) {
  const search = el("input", { type: "search", placeholder: "Search questions, slugs, ids", "aria-label": "Search markets" });
  const body = el("div", {}, el("p", { class: "muted" }, "Loading markets…"));
  view.append(
    el("div", { class: "bar" }, el("h1", {}, "Markets"), search),
    el("p", { class: "muted" }, "Prices are the first outcome's; the volume is in collateral."),
    body,
  );

  const list = await all("/markets");
  const nowS = Number(await get("/time"));
  const books = list.length ? await post("/books", list.map((m) => ({ token_id: m.tokens[0].token_id }))) : [];
  const bookOf = new Map(books.map((b) => [b.asset_id, b]));
  const volumes = await Promise.all(list.map((m) => volume(m, nowS).catch(() => null)));
  const rows = list.map((m, i) => {
    const book = bookOf.get(m.tokens[0].token_id) || { bids: [], asks: [] };
    return {
      market: m,
      bid: best(book.bids, Math.max),
      ask: best(book.asks, Math.min),
      last: book.last_trade_price,
      volume: volumes[i],
      text: `${m.question} ${m.market_slug} ${m.condition_id}`.toLowerCase(),
    };
  });
  const columns = [
    ["Market", (r) => el("a", { href: `#/market/${r.market.condition_id}` }, r.market.question || r.market.condition_id)],
    ["Bid", (r) => num(r.bid)],
    ["Ask", (r) => num(r.ask)],
    ["Last", (r) => num(r.last)],
    ["24 h volume", (r) => (r.volume === null ? "—" : num(r.volume, 2))],
    ["Status", (r) => el("span", { class: `tag ${r.market.closed ? "closed" : r.market.accepting_orders ? "open" : "paused"}` }, status(r.market))],
  ];
  const show = () => {
    const words = search.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
    const shown = rows.filter((r) => words.every((w) => r.text.includes(w)));
    body.replaceChildren(table(columns, shown, list.length ? "No market matches." : "No market is listed yet."));
  };
  search.addEventListener("input", show);
  show();
}
