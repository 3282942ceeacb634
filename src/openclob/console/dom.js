// DOM and formatting helpers. Data only ever reaches the page as text (textContent), never as markup:
// market questions, outcomes and error messages are operator or user input.

/** An element with attributes (`on*` listeners, `class`, `style` as an object, `data-*`...) and children. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else if (name === "class") node.className = value;
    else if (name === "style") Object.assign(node.style, value); // through the CSSOM: the CSP refuses style="..."
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** A table with a header row and one row per item; `columns` are [title, (item) => text or node]. */
export function table(columns, items, empty = "Nothing yet.") {
  if (!items.length) return el("p", { class: "muted" }, empty);
  return el(
    "div", { class: "scroll" },
    el(
      "table", {},
      el("thead", {}, el("tr", {}, columns.map(([title]) => el("th", {}, title)))),
      el("tbody", {}, items.map((item) => el("tr", {}, columns.map(([, cell]) => el("td", {}, cell(item)))))),
    ),
  );
}

/** A titled section. */
export function panel(title, ...children) {
  return el("section", { class: "panel" }, el("h2", {}, title), ...children);
}

/** A form whose submit runs `action(values)` and shows what it answered or the error, in the form itself. */
export function form(fields, submitLabel, action) {
  const status = el("p", { class: "status", role: "status" });
  const node = el("form", { class: "inline" }, fields, el("button", { type: "submit" }, submitLabel), status);
  node.addEventListener("submit", async (event) => {
    event.preventDefault();
    const values = Object.fromEntries(new FormData(node).entries());
    status.className = "status";
    status.textContent = "…";
    try {
      const message = await action(values);
      status.className = "status ok";
      status.textContent = message || "Done.";
    } catch (error) {
      status.className = "status error";
      status.textContent = error.message;
    }
  });
  return node;
}

/** A labelled input. */
export function field(label, name, attrs = {}) {
  return el("label", {}, el("span", {}, label), el("input", { name, ...attrs }));
}

/** A labelled select of [value, text] options. */
export function choice(label, name, options) {
  return el("label", {}, el("span", {}, label), el("select", { name }, options.map(([v, t]) => el("option", { value: v }, t))));
}

/** Unix seconds or milliseconds as local date and time. */
export function when(value) {
  let n = Number(value);
  if (!n) return "";
  if (n < 1e12) n *= 1000;
  return new Date(n).toLocaleString();
}

/** A decimal string, shortened for display (at most 4 decimals). */
export function num(value, digits = 4) {
  if (value === undefined || value === null || value === "") return "—";
  const n = Number(value);
  return Number.isFinite(n) ? n.toLocaleString(undefined, { maximumFractionDigits: digits }) : String(value);
}

/** `0x1234…abcd`. */
export function short(id) {
  const text = String(id);
  return text.length > 14 ? `${text.slice(0, 8)}…${text.slice(-4)}` : text;
}
