// A market: the live ladder of either outcome token, a depth chart, the trade tape and the price history.
// The books come from POST /books, then live from /ws/market (`book` snapshots, `price_change` levels,
// `last_trade_price` for the tape). With the admin token: pause or resume, tick size, resolve.

import { MarketSocket, adminToken, admin, get, post } from "./api.js";
import { depthChart, priceChart } from "./charts.js";
import { choice, el, field, form, num, panel, short, table, when } from "./dom.js";
import { status } from "./markets.js";

const LADDER_LEVELS = 12;
const TAPE_LENGTH = 50;

/** A book side as price (decimal string) -> size (number). */
function levels(list) {
  return new Map(list.map((level) => [level.price, Number(level.size)]));
}

/** A trade of the market in the terms of `tokenId` (the other token's trade is the opposite side at 1 - p). */
function inTermsOf(trade, tokenId) {
  if (trade.asset_id === tokenId) return trade;
  const side = trade.side === "BUY" ? "SELL" : "BUY";
  return { ...trade, asset_id: tokenId, side, price: String(+(1 - Number(trade.price)).toFixed(6)) };
}

export async function render(view, conditionId, ctx) {
  let market = await get(`/markets/${conditionId}`);
  const tokens = market.tokens.map((t) => t.token_id);
  let shown = tokens[0];
  const books = new Map(tokens.map((id) => [id, { bids: new Map(), asks: new Map() }]));
  const tapes = new Map(tokens.map((id) => [id, []]));

  const header = el("div", { class: "bar" });
  const switcher = el("div", { class: "switch", role: "tablist" });
  const ladder = el("div", { class: "ladder", "aria-live": "polite" });
  const depth = el("div", {});
  const tape = el("div", {});
  const history = el("div", {});
  const controls = el("div", {});
  view.append(
    header,
    switcher,
    el(
      "div", { class: "grid" },
      panel("Order book", ladder),
      panel("Depth", depth),
      panel("Trades", tape),
      panel("Price history", history),
      controls,
    ),
  );

  const drawHeader = () => {
    header.replaceChildren(
      el("h1", {}, market.question || "(no question)"),
      el("span", { class: `tag ${market.closed ? "closed" : market.accepting_orders ? "open" : "paused"}` }, status(market)),
      el("code", { class: "muted", title: market.condition_id }, short(market.condition_id)),
      el("span", { class: "muted" }, `tick ${market.minimum_tick_size} · min size ${market.minimum_order_size}`),
    );
    switcher.replaceChildren(
      ...market.tokens.map((t) =>
        el("button", { type: "button", role: "tab", "aria-selected": String(t.token_id === shown), class: t.token_id === shown ? "on" : "", onclick: () => select(t.token_id) }, t.outcome),
      ),
    );
  };

  const drawBook = () => {
    const book = books.get(shown);
    const bids = [...book.bids].map(([p, s]) => [Number(p), s, p]).sort((a, b) => b[0] - a[0]);
    const asks = [...book.asks].map(([p, s]) => [Number(p), s, p]).sort((a, b) => a[0] - b[0]);
    const top = Math.max(1, ...bids.slice(0, LADDER_LEVELS).map((l) => l[1]), ...asks.slice(0, LADDER_LEVELS).map((l) => l[1]));
    const row = (side) => ([, size, price]) =>
      el("div", { class: `level ${side}`, "data-side": side, "data-price": price },
        el("span", { class: "fill", style: { width: `${(100 * size) / top}%` } }),
        el("span", { class: "price" }, price),
        el("span", { class: "size" }, num(size, 2)));
    const spread = bids.length && asks.length ? `spread ${+(asks[0][0] - bids[0][0]).toFixed(6)}` : "—";
    ladder.replaceChildren(
      el("div", { class: "level head" }, el("span", { class: "price" }, "Price"), el("span", { class: "size" }, "Size")),
      ...asks.slice(0, LADDER_LEVELS).reverse().map(row("ask")),
      el("div", { class: "spread muted" }, spread),
      ...bids.slice(0, LADDER_LEVELS).map(row("bid")),
    );
    depth.replaceChildren(depthChart(bids.map(([p, s]) => [p, s]), asks.map(([p, s]) => [p, s])));
  };

  const drawTape = () => {
    tape.replaceChildren(
      table(
        [
          ["Time", (t) => when(t.timestamp)],
          ["Side", (t) => el("span", { class: t.side === "BUY" ? "buy" : "sell" }, t.side)],
          ["Price", (t) => num(t.price)],
          ["Size", (t) => num(t.size, 2)],
        ],
        tapes.get(shown),
        "No trades yet.",
      ),
    );
  };

  let historyTimer = null;
  const drawHistory = async () => {
    try {
      const data = await get(`/prices-history?market=${shown}&interval=max&fidelity=1`);
      history.replaceChildren(priceChart(data.history));
    } catch (error) {
      history.replaceChildren(el("p", { class: "status error" }, error.message));
    }
  };
  const laterHistory = () => {
    clearTimeout(historyTimer);
    historyTimer = setTimeout(drawHistory, 1000);
  };

  const select = (tokenId) => {
    shown = tokenId;
    drawHeader();
    drawBook();
    drawTape();
    drawHistory();
  };

  const refreshMarket = async () => {
    market = await get(`/markets/${conditionId}`);
    drawHeader();
    drawControls();
  };

  const drawControls = () => {
    if (!adminToken()) {
      controls.replaceChildren();
      return;
    }
    const act = (fn) => async (values) => {
      const message = await fn(values);
      await refreshMarket();
      return message;
    };
    const patch = (body) => admin("PATCH", `/admin/markets/${conditionId}`, body);
    controls.replaceChildren(
      panel(
        "Operator",
        el("div", { class: "row" },
          form([], market.accepting_orders ? "Pause orders" : "Resume orders",
            act(async () => (await patch({ accepting_orders: !market.accepting_orders })).accepting_orders ? "Resumed." : "Paused."))),
        form([field("Tick size", "tick_size", { value: market.minimum_tick_size, inputmode: "decimal", required: true })], "Change tick",
          act(async (v) => `Tick size ${(await patch({ tick_size: v.tick_size })).minimum_tick_size}.`)),
        market.closed
          ? el("p", { class: "muted" }, "Resolved.")
          : form([choice("Winner", "winning_token_id", market.tokens.map((t) => [t.token_id, t.outcome]))], "Resolve",
            act(async (v) => {
              await admin("POST", `/admin/markets/${conditionId}/resolve`, { winning_token_id: v.winning_token_id });
              return "Resolved.";
            })),
      ),
    );
  };

  const onMessage = (message) => {
    switch (message.event_type) {
      case "book":
        if (books.has(message.asset_id)) {
          books.set(message.asset_id, { bids: levels(message.bids), asks: levels(message.asks) });
          if (message.asset_id === shown) drawBook();
        }
        break;
      case "price_change":
        for (const change of message.price_changes || []) {
          const book = books.get(change.asset_id);
          if (!book) continue;
          const side = change.side === "BUY" ? book.bids : book.asks;
          if (Number(change.size) === 0) side.delete(change.price);
          else side.set(change.price, Number(change.size));
        }
        drawBook();
        break;
      case "last_trade_price":
        if (tapes.has(message.asset_id)) {
          const list = tapes.get(message.asset_id);
          list.unshift({ ...message, timestamp: Math.floor(Number(message.timestamp) / 1000) });
          list.length = Math.min(list.length, TAPE_LENGTH);
          if (message.asset_id === shown) {
            drawTape();
            laterHistory();
          }
        }
        break;
      case "tick_size_change":
      case "market_resolved":
        refreshMarket();
        break;
      default:
    }
  };

  const loadTape = async () => {
    const recent = await get(`/live-activity/events/${conditionId}`);
    for (const id of tokens) tapes.set(id, recent.slice(0, TAPE_LENGTH).map((t) => inTermsOf({ ...t, asset_id: t.market.asset_id }, id)));
  };

  // First paint from the REST API, then live. After a drop the socket's new `book` snapshots redraw the
  // ladder; the trades missed meanwhile are read again.
  for (const book of await post("/books", tokens.map((token_id) => ({ token_id })))) {
    books.set(book.asset_id, { bids: levels(book.bids), asks: levels(book.asks) });
  }
  await loadTape();
  drawHeader();
  drawBook();
  drawTape();
  drawHistory();
  drawControls();
  let dropped = false;
  const socket = new MarketSocket(tokens, onMessage, async (connected) => {
    ctx.live(connected);
    const reconnected = connected && dropped;
    dropped = !connected;
    if (reconnected) {
      await loadTape().catch(() => {});
      drawTape();
      drawHistory();
    }
  });
  return () => {
    clearTimeout(historyTimer);
    socket.close();
  };
}
