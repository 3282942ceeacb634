// Drives @polymarket/clob-client-v2 (unmodified) against a running openclob server and prints ONE JSON object.
//
//   node flow.mjs <url> <private-key> <counterparty-key> <markets-json> <builder-code>
//
// <markets-json> is [{"condition_id": "0x…", "tokens": ["<yes>", "<no>"]}, …]: market 1 has a 1000 bps fee
// (r = 0.1), market 2 none; both 0.01 tick, minimum size 5. Funding, done beforehand through the admin API:
//   wallet A (private key):  200 collateral deposited, 20 split in market 1 -> 180 collateral, 20 YES1, 20 NO1
//   wallet B (counterparty): 100 collateral deposited
//
// As tests/e2e/node/flow.mjs: every step is recorded as {"value": …} or {"thrown": {name, message, status}},
// with its duration in ms and the slice of the wire log (every HTTP exchange) it made. The Python test
// (tests/e2e/test_node_clob_client_v2.py) decides which steps must succeed and checks the values.

import axios from "axios";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { AssetType, ClobClient, OrderType, Side } from "@polymarket/clob-client-v2";
import { createWalletClient, custom } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { polygon } from "viem/chains";

const CHAIN_ID = 137;
const require = createRequire(import.meta.url);

function version(name) {
    try {
        return require(`${name}/package.json`).version;
    } catch {
        // packages whose "exports" hide package.json: read the installed file
        const path = new URL(`./node_modules/${name}/package.json`, import.meta.url);
        return JSON.parse(readFileSync(path, "utf8")).version;
    }
}

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
        if (response.config.flowEntry) response.config.flowEntry.status = response.status;
        return response;
    },
    error => {
        if (error.config?.flowEntry) error.config.flowEntry.status = error.response?.status ?? null;
        return Promise.reject(error);
    },
);

const steps = {};

async function step(name, call) {
    if (name in steps) throw new Error(`step ${name} recorded twice`);
    const start = wire.length;
    const began = performance.now();
    try {
        const value = await call();
        steps[name] = { value: value === undefined ? null : value };
    } catch (err) {
        steps[name] = {
            thrown: { name: err?.name ?? typeof err, message: err?.message ?? String(err), status: err?.status ?? null },
        };
    }
    steps[name].ms = performance.now() - began;
    steps[name].wire = [start, wire.length];
    return steps[name].value;
}

function walletClient(privateKey) {
    const transport = custom({
        async request({ method }) {
            throw new Error(`unexpected RPC call ${method}`);
        },
    });
    return createWalletClient({ account: privateKeyToAccount(privateKey), chain: polygon, transport });
}

async function authenticated(host, privateKey, prefix) {
    const signer = walletClient(privateKey);
    const l1 = new ClobClient({ host, chain: CHAIN_ID, signer });
    const creds = await step(`${prefix}.createOrDeriveApiKey`, () => l1.createOrDeriveApiKey());
    await step(`${prefix}.createOrDeriveApiKey.again`, () => l1.createOrDeriveApiKey());
    if (!creds?.key || !creds?.secret || !creds?.passphrase) throw new Error(`${prefix}: no credentials`);
    return new ClobClient({ host, chain: CHAIN_ID, signer, creds });
}

async function main() {
    const [host, keyA, keyB, marketsJson, builderCode] = process.argv.slice(2);
    const [m1, m2] = JSON.parse(marketsJson);
    const [yes1, no1] = m1.tokens;
    const [yes2] = m2.tokens;

    const publicClient = new ClobClient({ host, chain: CHAIN_ID });
    await step("getOk", () => publicClient.getOk());
    await step("getVersion", () => publicClient.getVersion());
    await step("getClobMarketInfo", () => publicClient.getClobMarketInfo(m1.condition_id));

    const a = await authenticated(host, keyA, "A");
    const b = await authenticated(host, keyB, "B");

    // swap: A rests SELL 10 YES1 at 0.60, B buys them with a builder code (V2 taker fee 0.24)
    await step("A.sell.yes1", () => a.createAndPostOrder({ tokenID: yes1, price: 0.6, size: 10, side: Side.SELL }));
    await step("B.buy.yes1", () =>
        b.createAndPostOrder({ tokenID: yes1, price: 0.6, size: 10, side: Side.BUY, builderCode }),
    );
    // MINT: A bids 0.55 for YES1, B buys NO1 at 0.50 (fills at 0.45; fee 0.2475)
    await step("A.buy.yes1", () => a.createAndPostOrder({ tokenID: yes1, price: 0.55, size: 10, side: Side.BUY }));
    await step("B.buy.no1", () => b.createAndPostOrder({ tokenID: no1, price: 0.5, size: 10, side: Side.BUY }));
    // market BUY of $3.50 of YES1 against A's 5 at 0.70 (fee 5 * 0.1 * 0.7 * 0.3 = 0.105)
    await step("A.sell.yes1.070", () => a.createAndPostOrder({ tokenID: yes1, price: 0.7, size: 5, side: Side.SELL }));
    await step("B.marketBuy.yes1", () =>
        b.createAndPostMarketOrder({ tokenID: yes1, amount: 3.5, side: Side.BUY }, undefined, OrderType.FOK),
    );

    // 105 resting orders on market 2 through POST /orders, so that /data/orders needs two pages
    for (let batch = 0; batch < 7; batch++) {
        const args = [];
        for (let i = 0; i < 15; i++) {
            const n = batch * 15 + i;
            const order = await a.createOrder({ tokenID: yes2, price: (1 + (n % 5)) / 100, size: 5, side: Side.BUY });
            args.push({ order, orderType: OrderType.GTC });
        }
        await step(`A.postOrders.${batch}`, () => a.postOrders(args));
    }
    await step("A.getOpenOrders", () => a.getOpenOrders());
    await step("B.getTrades", () => b.getTrades({ market: m1.condition_id }));
    await step("A.getTrades", () => a.getTrades({ market: m1.condition_id }));
    await step("getBuilderTrades", () => b.getBuilderTrades({ builder_code: builderCode }));
    await step("B.getPreMigrationOrders", () => b.getPreMigrationOrders());
    for (const [prefix, client] of [["A", a], ["B", b]]) {
        await step(`${prefix}.balance.collateral`, () => client.getBalanceAllowance({ asset_type: AssetType.COLLATERAL }));
        for (const [name, token] of [["yes1", yes1], ["no1", no1]]) {
            await step(`${prefix}.balance.${name}`, () =>
                client.getBalanceAllowance({ asset_type: AssetType.CONDITIONAL, token_id: token }),
            );
        }
    }

    // an order signed for the V3 exchange, which this server does not accept
    const v3 = await a.createOrder({ tokenID: yes2, price: 0.01, size: 5, side: Side.BUY }, { tickSize: "0.01", version: 3 });
    await step("error.versionMismatch", () => a.postOrder(v3, OrderType.GTC));

    // cancels
    const ids = (steps["A.getOpenOrders"].value ?? []).map(o => o.id);
    await step("cancelOrder", () => a.cancelOrder({ orderID: ids[0] }));
    await step("cancelOrders", () => a.cancelOrders([ids[0], ids[1], ids[2]]));
    await step("cancelMarketOrders.asset_id", () => a.cancelMarketOrders({ asset_id: no1 }));
    await step("cancelMarketOrders.market", () => a.cancelMarketOrders({ market: m2.condition_id }));
    await step("A.getOpenOrders.afterCancels", () => a.getOpenOrders());
    await step("cancelAll", () => a.cancelAll());
    await step("A.balance.collateral.end", () => a.getBalanceAllowance({ asset_type: AssetType.COLLATERAL }));
    return {};
}

const output = {
    versions: {
        node: process.versions.node,
        "@polymarket/clob-client-v2": version("@polymarket/clob-client-v2"),
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
