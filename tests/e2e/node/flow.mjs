// Drives @polymarket/clob-client 5.x (unmodified) against a running openclob server and prints ONE JSON object.
//
//   node flow.mjs <url> <private-key> <counterparty-key> <markets-json>
//
// or the same through the environment: OPENCLOB_URL, OPENCLOB_PRIVATE_KEY, OPENCLOB_COUNTERPARTY_KEY,
// OPENCLOB_MARKETS. <markets-json> is [{"condition_id": "0x…", "tokens": ["<yes>", "<no>"]}, …] with two binary
// markets, 0.01 tick, minimum size 5, no fees. Expected funding, done beforehand through the admin API:
//   wallet A (private key):  200 collateral deposited, 20 split in market 1  -> 180 collateral, 20 YES1, 20 NO1
//   wallet B (counterparty): 100 collateral deposited
//
// The TS client returns HTTP errors as values ({error, status}) instead of throwing, so every step is recorded as
// {"value": <what the call returned>} or, when the call threw, {"thrown": {name, message, status}}. The Python test
// (tests/e2e/test_node_clob_client.py) decides which steps must be successes and which must be errors. The
// script itself only fails (exit 1, still printing JSON) when it cannot run at all.
//
// It also records every HTTP exchange the client makes (method, path, query, body, status) through an axios
// interceptor, so the test can check what went over the wire (cursor pagination, cancel bodies).

import axios from "axios";
import { createRequire } from "node:module";
import { AssetType, ClobClient, OrderType, Side } from "@polymarket/clob-client";
import { createWalletClient, custom } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { polygon } from "viem/chains";

const CHAIN_ID = 137;
const require = createRequire(import.meta.url);

function argument(index, envName) {
    const value = process.argv[index] ?? process.env[envName];
    if (!value) {
        throw new Error(`missing argument ${index - 1} (or $${envName}); usage: node flow.mjs <url> <key> <key2> <markets-json>`);
    }
    return value;
}

function version(name) {
    try {
        return require(`${name}/package.json`).version;
    } catch {
        return null; // packages whose "exports" hide package.json
    }
}

// ---- wire log -------------------------------------------------------------------------------------------------

const wire = [];

axios.interceptors.request.use(config => {
    const url = new URL(config.url);
    const entry = {
        method: (config.method ?? "get").toUpperCase(),
        path: url.pathname,
        params: Object.fromEntries(Object.entries(config.params ?? {}).filter(([, v]) => v !== undefined)),
        body: typeof config.data === "string" ? config.data : config.data === undefined ? null : JSON.stringify(config.data),
        status: null,
    };
    config.flowEntry = entry;
    wire.push(entry);
    return config;
});
axios.interceptors.response.use(
    response => {
        const entry = response.config.flowEntry;
        if (entry) {
            entry.status = response.status;
            if (response.data && typeof response.data === "object" && "next_cursor" in response.data) {
                entry.next_cursor = response.data.next_cursor; // paginated replies: where the client goes next
            }
        }
        return response;
    },
    error => {
        if (error.config?.flowEntry) error.config.flowEntry.status = error.response?.status ?? null;
        return Promise.reject(error);
    },
);

// ---- steps ----------------------------------------------------------------------------------------------------

const steps = {};

async function step(name, call) {
    if (name in steps) throw new Error(`step ${name} recorded twice`);
    const start = wire.length;
    try {
        const value = await call();
        steps[name] = { value: value === undefined ? null : value };
    } catch (err) {
        steps[name] = {
            thrown: { name: err?.name ?? typeof err, message: err?.message ?? String(err), status: err?.status ?? null },
        };
    }
    steps[name].wire = [start, wire.length]; // the slice of `wire` this step made
    return steps[name].value;
}

function walletClient(privateKey) {
    // Every signature is local (EIP-712 with the account's key); nothing may go to a chain RPC.
    const transport = custom({
        async request({ method }) {
            throw new Error(`unexpected RPC call ${method}`);
        },
    });
    return createWalletClient({ account: privateKeyToAccount(privateKey), chain: polygon, transport });
}

async function authenticated(url, privateKey, prefix) {
    const signer = walletClient(privateKey);
    const l1 = new ClobClient(url, CHAIN_ID, signer);
    const created = await step(`${prefix}.createOrDeriveApiKey`, () => l1.createOrDeriveApiKey());
    const again = await step(`${prefix}.createOrDeriveApiKey.again`, () => l1.createOrDeriveApiKey());
    if (!created?.key || !created?.secret || !created?.passphrase) {
        throw new Error(`${prefix}: no API credentials: ${JSON.stringify(created)}`);
    }
    return { client: new ClobClient(url, CHAIN_ID, signer, created), signer, creds: created, again };
}

async function main() {
    const url = argument(2, "OPENCLOB_URL");
    const keyA = argument(3, "OPENCLOB_PRIVATE_KEY");
    const keyB = argument(4, "OPENCLOB_COUNTERPARTY_KEY");
    const markets = JSON.parse(argument(5, "OPENCLOB_MARKETS"));
    const [m1, m2] = markets;
    const [yes1, no1] = m1.tokens;
    const [yes2] = m2.tokens;

    // ---- public calls (L0) ----
    const publicClient = new ClobClient(url, CHAIN_ID);
    await step("getOk", () => publicClient.getOk());
    await step("getServerTime", () => publicClient.getServerTime());

    // ---- credentials (L1): create, then create again -> 400 -> derive ----
    const A = await authenticated(url, keyA, "A");
    const B = await authenticated(url, keyB, "B");
    const a = A.client;
    const b = B.client;

    // ---- market data ----
    await step("getOrderBook.empty", () => a.getOrderBook(yes1));
    await step("getTickSize", () => a.getTickSize(yes1));
    await step("getNegRisk", () => a.getNegRisk(yes1));
    await step("getFeeRateBps", () => a.getFeeRateBps(yes1));

    // ---- resting limit orders of A on both tokens of market 1 ----
    await step("A.buy.yes1", () => a.createAndPostOrder({ tokenID: yes1, price: 0.2, size: 10, side: Side.BUY }));
    await step("A.sell.no1", () => a.createAndPostOrder({ tokenID: no1, price: 0.7, size: 10, side: Side.SELL }));
    await step("getOrderBook.no1", () => a.getOrderBook(no1));

    // ---- B crosses A's SELL NO1 for 6 of its 10 (A's BUY YES1 at 0.20 is 0.80 in NO terms: no cross) ----
    await step("B.cross.no1", () => b.createAndPostOrder({ tokenID: no1, price: 0.7, size: 6, side: Side.BUY }));
    await step("getOrderBook.no1.afterTrade", () => a.getOrderBook(no1));
    await step("B.rest.yes1", () => b.createAndPostOrder({ tokenID: yes1, price: 0.05, size: 10, side: Side.BUY }));

    // ---- more resting orders of A: market 1 (both tokens) ----
    await step("A.buy.yes1.015", () => a.createAndPostOrder({ tokenID: yes1, price: 0.15, size: 10, side: Side.BUY }));
    const signed = await step("A.createOrder.yes1.010", () =>
        a.createOrder({ tokenID: yes1, price: 0.1, size: 10, side: Side.BUY }),
    );
    await step("A.postOrder.yes1.010", () => a.postOrder(signed, OrderType.GTC));
    await step("A.sell.yes1.090", () => a.createAndPostOrder({ tokenID: yes1, price: 0.9, size: 10, side: Side.SELL }));
    await step("A.buy.no1.010", () => a.createAndPostOrder({ tokenID: no1, price: 0.1, size: 10, side: Side.BUY }));

    // ---- and 105 on market 2 through POST /orders (15 a batch), so that /data/orders needs two pages ----
    for (let batch = 0; batch < 7; batch++) {
        const args = [];
        for (let i = 0; i < 15; i++) {
            const n = batch * 15 + i;
            const order = await a.createOrder({ tokenID: yes2, price: (1 + (n % 5)) / 100, size: 5, side: Side.BUY });
            args.push({ order, orderType: OrderType.GTC });
        }
        await step(`A.postOrders.${batch}`, () => a.postOrders(args));
    }

    // ---- deliberate errors: each must come back as a value {error, status}, not a throw ----
    await step("error.duplicate", () => a.postOrder(signed, OrderType.GTC));
    await step("error.belowMinimumSize", () =>
        a.createAndPostOrder({ tokenID: no1, price: 0.1, size: 4, side: Side.BUY }),
    );
    await step("error.notEnoughBalance", () =>
        a.createAndPostOrder({ tokenID: no1, price: 0.5, size: 1000, side: Side.BUY }),
    );
    await step("error.unknownBook", () => a.getOrderBook("404"));
    const wrong = { ...A.creds, secret: Buffer.alloc(32, 7).toString("base64url") + "=" };
    await step("error.badHmac", () => new ClobClient(url, CHAIN_ID, A.signer, wrong).cancelAll());
    await step("error.badHmac.throwOnError", () =>
        new ClobClient(
            url, CHAIN_ID, A.signer, wrong, undefined, undefined, undefined, undefined, undefined, undefined,
            undefined, undefined, true,
        ).cancelAll(),
    );
    await step("error.tickSizeUnknownToken", () => publicClient.getTickSize("404"));

    // ---- account queries ----
    await step("A.getOpenOrders", () => a.getOpenOrders());
    await step("A.getOpenOrders.market2.firstPage", () => a.getOpenOrders({ market: m2.condition_id }, true));
    await step("A.getOpenOrders.asset.yes1", () => a.getOpenOrders({ asset_id: yes1 }));
    await step("A.getOpenOrders.id", () => a.getOpenOrders({ id: steps["A.sell.no1"].value?.orderID }));
    await step("A.getOrder", () => a.getOrder(steps["A.sell.no1"].value?.orderID));
    await step("B.getOpenOrders", () => b.getOpenOrders());
    await step("A.getTrades", () => a.getTrades());
    await step("B.getTrades", () => b.getTrades());
    const balances = async (prefix, client) => {
        await step(`${prefix}.balance.collateral`, () => client.getBalanceAllowance({ asset_type: AssetType.COLLATERAL }));
        await step(`${prefix}.balance.yes1`, () =>
            client.getBalanceAllowance({ asset_type: AssetType.CONDITIONAL, token_id: yes1 }),
        );
        await step(`${prefix}.balance.no1`, () =>
            client.getBalanceAllowance({ asset_type: AssetType.CONDITIONAL, token_id: no1 }),
        );
    };
    await balances("A", a);
    await balances("B", b);

    // ---- cancels ----
    const id = name => steps[name].value?.orderID;
    await step("cancelOrder", () => a.cancelOrder({ orderID: id("A.postOrder.yes1.010") }));
    await step("cancelOrder.othersOrder", () => a.cancelOrder({ orderID: id("B.rest.yes1") }));
    await step("cancelOrders", () => a.cancelOrders([id("A.buy.yes1.015"), id("A.postOrder.yes1.010")]));
    await step("cancelMarketOrders.asset_id", () => a.cancelMarketOrders({ asset_id: yes1 }));
    await step("cancelMarketOrders.market", () => a.cancelMarketOrders({ market: m1.condition_id }));
    await step("A.getOpenOrders.afterMarketCancels", () => a.getOpenOrders());
    await step("cancelAll", () => a.cancelAll());
    await step("A.getOpenOrders.afterCancelAll", () => a.getOpenOrders());
    await step("B.getOpenOrders.end", () => b.getOpenOrders());
    await balances("A.end", a);

    return {
        A: { again: A.again, creds: A.creds },
        B: { again: B.again, creds: B.creds },
    };
}

const output = {
    versions: {
        node: process.versions.node,
        "@polymarket/clob-client": version("@polymarket/clob-client"),
        viem: version("viem"),
        axios: version("axios"),
    },
    ok: false,
    fatal: null,
    steps,
    wire,
};
try {
    Object.assign(output, await main());
    output.ok = true;
} catch (err) {
    output.fatal = err?.stack ?? String(err);
}
process.stdout.write(JSON.stringify(output) + "\n");
process.exitCode = output.ok ? 0 : 1;
