// The console's shell: a hash router over four pages, the WebSocket banner and the operator badge.
//
// Why vanilla ES modules: every current browser runs them as they are, so the console has no build step,
// no npm dependencies and no vendored framework; the server ships these files as package data and they work
// offline. Each page is one module exporting `render(view, arg, ctx)`, which may return a cleanup function.

import { adminToken } from "./api.js";
import * as markets from "./markets.js";
import * as market from "./market.js";
import * as account from "./account.js";
import * as operator from "./operator.js";
import { el } from "./dom.js";

const PAGES = { markets, market, account, operator };
const view = document.getElementById("view");
const banner = document.getElementById("ws-banner");
let cleanup = null;

/** Show or hide the "live updates lost" banner (pages with a socket call it). */
function live(connected) {
  banner.hidden = connected;
}

/** Say in the header whether an admin token is in use. */
function operatorState() {
  document.getElementById("operator-state").textContent = adminToken() ? "operator" : "";
}

async function route() {
  if (cleanup) cleanup();
  cleanup = null;
  live(true);
  const [name = "markets", ...rest] = location.hash.replace(/^#\/?/, "").split("/");
  const page = PAGES[name] || markets;
  for (const link of document.querySelectorAll("nav a")) {
    link.classList.toggle("active", link.dataset.page === (name === "market" ? "markets" : name));
  }
  view.replaceChildren();
  operatorState();
  try {
    cleanup = (await page.render(view, decodeURIComponent(rest.join("/")), { live, operatorState })) || null;
  } catch (error) {
    view.append(el("p", { class: "status error" }, error.message));
  }
}

window.addEventListener("hashchange", route);
route();
