// Two small hand-written SVG charts: a price line and a depth chart. They scale to their box (viewBox).

const NS = "http://www.w3.org/2000/svg";
const W = 600;
const H = 220;
const PAD = { left: 44, right: 10, top: 10, bottom: 24 };

function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(NS, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

function frame(label) {
  return svg("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart", role: "img", "aria-label": label });
}

function scale(domain, range) {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const span = d1 - d0 || 1;
  return (v) => r0 + ((v - d0) / span) * (r1 - r0);
}

function axes(root, x, y, xTicks, yTicks, xText, yText) {
  for (const v of yTicks) {
    root.append(svg("line", { x1: PAD.left, x2: W - PAD.right, y1: y(v), y2: y(v), class: "gridline" }));
    root.append(svg("text", { x: PAD.left - 4, y: y(v) + 4, "text-anchor": "end", class: "tick" }, yText(v)));
  }
  xTicks.forEach((v, i) => {
    const anchor = i === 0 ? "start" : i === xTicks.length - 1 ? "end" : "middle";
    root.append(svg("text", { x: x(v), y: H - 6, "text-anchor": anchor, class: "tick" }, xText(v)));
  });
}

function ticks(lo, hi, count) {
  return Array.from({ length: count }, (_, i) => lo + ((hi - lo) * i) / (count - 1));
}

function empty(root, message) {
  root.append(svg("text", { x: W / 2, y: H / 2, "text-anchor": "middle", class: "tick" }, message));
  return root;
}

/** Price history: [{t: unix seconds, p: price}] as a step line, the price axis around the prices seen. */
export function priceChart(points) {
  const root = frame("Price history");
  if (!points.length) return empty(root, "No trades yet");
  const t0 = points[0].t;
  const t1 = Math.max(points[points.length - 1].t, t0 + 1);
  const x = scale([t0, t1], [PAD.left, W - PAD.right]);
  const prices = points.map((point) => point.p);
  const lo = Math.max(0, Math.floor((Math.min(...prices) - 0.05) * 20) / 20);
  const hi = Math.min(1, Math.ceil((Math.max(...prices) + 0.05) * 20) / 20);
  const y = scale([lo, hi], [H - PAD.bottom, PAD.top]);
  const time = (t) => new Date(t * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  axes(root, x, y, ticks(t0, t1, 4), ticks(lo, hi, 5), time, (v) => v.toFixed(2));
  let d = `M${x(points[0].t)},${y(points[0].p)}`;
  for (const point of points.slice(1)) d += `H${x(point.t)}V${y(point.p)}`;
  d += `H${W - PAD.right}`;
  root.append(svg("path", { d, class: "line" }));
  return root;
}

/** Depth: cumulative size of bids (from the best down) and asks (from the best up), by price. */
export function depthChart(bids, asks) {
  const root = frame("Depth chart");
  if (!bids.length && !asks.length) return empty(root, "The book is empty");
  const cumulate = (levels) => {
    let total = 0;
    return levels.map(([price, size]) => [price, (total += size)]);
  };
  const b = cumulate(bids); // best (highest) first
  const a = cumulate(asks); // best (lowest) first
  const prices = [...b, ...a].map(([p]) => p);
  const lo = Math.max(0, Math.min(...prices) - 0.02);
  const hi = Math.min(1, Math.max(...prices) + 0.02);
  const top = Math.max(...[...b, ...a].map(([, s]) => s));
  const x = scale([lo, hi], [PAD.left, W - PAD.right]);
  const y = scale([0, top], [H - PAD.bottom, PAD.top]);
  axes(root, x, y, ticks(lo, hi, 5), ticks(0, top, 4), (v) => v.toFixed(2), (v) => compact(v));
  const area = (levels, cls, edge) => {
    if (!levels.length) return;
    let d = `M${x(levels[0][0])},${y(0)}`;
    for (const [price, total] of levels) d += `H${x(price)}V${y(total)}`;
    d += `H${x(edge)}V${y(0)}Z`;
    root.append(svg("path", { d, class: cls }));
  };
  area(b, "bids", lo);
  area(a, "asks", hi);
  return root;
}

function compact(v) {
  return v >= 1e6 ? `${(v / 1e6).toFixed(1)}M` : v >= 1e3 ? `${(v / 1e3).toFixed(1)}k` : v.toFixed(0);
}
