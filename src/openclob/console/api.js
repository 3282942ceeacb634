// The console's one link to the server: its HTTP API (public and admin) and the /ws/market channel.

const TOKEN_KEY = "openclob.adminToken";

/** An error the API answered: its status and its {"error": message}. */
export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

async function request(method, path, body, headers = {}) {
  const init = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch {
    throw new ApiError(0, "The server cannot be reached.");
  }
  const text = await response.text();
  let data = text;
  try {
    data = text ? JSON.parse(text) : null;
  } catch { /* not JSON: keep the text */ }
  if (!response.ok) {
    const message = (data && data.error) || text || response.statusText;
    if (response.status === 425) throw new ApiError(425, `The exchange is starting (recovering its state): ${message}`);
    throw new ApiError(response.status, `${response.status}: ${message}`);
  }
  return data;
}

/** A public GET. */
export const get = (path) => request("GET", path);

/** A public POST (the batch market-data routes). */
export const post = (path, body) => request("POST", path, body);

/** Every item of a paginated listing (`next_cursor` until "LTE="). */
export async function all(path) {
  const items = [];
  let cursor = "";
  for (let page = 0; page < 100; page += 1) {
    const sep = path.includes("?") ? "&" : "?";
    const data = await get(cursor ? `${path}${sep}next_cursor=${encodeURIComponent(cursor)}` : path);
    items.push(...data.data);
    if (!data.next_cursor || data.next_cursor === "LTE=") break;
    cursor = data.next_cursor;
  }
  return items;
}

// ------------------------------------------------------------------------------------------- the admin token
// Kept in sessionStorage only: it goes when the tab closes, and never to another origin or to disk for long.

export const adminToken = () => sessionStorage.getItem(TOKEN_KEY);
export const forgetToken = () => sessionStorage.removeItem(TOKEN_KEY);

/** Check a token against the admin API and keep it if the server takes it. */
export async function useToken(token) {
  await request("GET", "/admin/trading-mode", undefined, { Authorization: `Bearer ${token}` });
  sessionStorage.setItem(TOKEN_KEY, token);
}

/** An admin call with the kept token; a 401 forgets it. */
export async function admin(method, path, body) {
  const token = adminToken();
  if (!token) throw new ApiError(401, "Enter the admin token on the Operator page first.");
  try {
    return await request(method, path, body, { Authorization: `Bearer ${token}` });
  } catch (error) {
    if (error.status === 401) forgetToken();
    throw error;
  }
}

// ------------------------------------------------------------------------------------------- the market channel

const PING_MS = 10_000;
const MAX_RETRY_MS = 10_000;

/**
 * A /ws/market subscription to some tokens that reconnects by itself (1 s, 2 s, 4 s... at most 10 s apart)
 * and subscribes again, which sends fresh `book` snapshots. `onState(true|false)` says whether it is live.
 */
export class MarketSocket {
  constructor(assetIds, onMessage, onState) {
    this.assetIds = assetIds;
    this.onMessage = onMessage;
    this.onState = onState;
    this.retryMs = 1000;
    this.closed = false;
    this.connect();
  }

  connect() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const socket = new WebSocket(`${scheme}//${location.host}/ws/market`);
    this.socket = socket;
    socket.onopen = () => {
      this.retryMs = 1000;
      socket.send(JSON.stringify({ type: "market", assets_ids: this.assetIds }));
      this.ping = setInterval(() => socket.readyState === WebSocket.OPEN && socket.send("PING"), PING_MS);
      this.onState(true);
    };
    socket.onmessage = (event) => {
      if (event.data === "PONG") return;
      let data;
      try {
        data = JSON.parse(event.data);
      } catch {
        return;
      }
      for (const message of Array.isArray(data) ? data : [data]) this.onMessage(message);
    };
    socket.onclose = () => {
      clearInterval(this.ping);
      if (this.closed) return;
      this.onState(false);
      this.timer = setTimeout(() => this.connect(), this.retryMs);
      this.retryMs = Math.min(this.retryMs * 2, MAX_RETRY_MS);
    };
  }

  /** Stop for good (the page is left). */
  close() {
    this.closed = true;
    clearTimeout(this.timer);
    clearInterval(this.ping);
    this.socket.close();
  }
}
