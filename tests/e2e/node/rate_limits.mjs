// Drives @polymarket/clob-client 5.x (unmodified) against `openclob serve --rate-limits polymarket` and prints ONE
// JSON object: each step's result and the rate-limit headers of its last HTTP answer.
//
//   node rate_limits.mjs <url> <private-key> <counterparty-key> <token-id> <admin-token>
//
// Wallet A (private key) needs 100 collateral deposited beforehand; wallet B needs nothing. The TS client returns
// HTTP errors as values ({error, status}), so a 429 is a step's value, not a throw. The Python test
// (tests/e2e/test_node_rate_limits.py) checks the outcome; the script only fails (exit 1, still printing JSON)
// when it cannot run at all.

import axios from "axios";
import { ClobClient, createL2Headers, Side } from "@polymarket/clob-client";
import { createWalletClient, custom } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { polygon } from "viem/chains";

const CHAIN_ID = 137;
const TIER_PATH = "/v1/user/rate-limit-tier";
const HEADERS = ["poly-ratelimit-remaining", "poly-ratelimit-reset", "poly-ratelimit-tier", "retry-after"];

// ---- the rate-limit headers of every answer, in order ----------------------------------------------------------

const answers = [];

function record(response) {
    if (!response) return;
    const headers = {};
    for (const name of HEADERS) {
        const value = response.headers?.[name];
        if (value !== undefined) headers[name] = value;
    }
    answers.push({ status: response.status, headers });
}

axios.interceptors.response.use(
    response => {
        record(response);
        return response;
    },
    error => {
        record(error.response);
        return Promise.reject(error);
    },
);

const steps = {};

async function step(name, call) {
    const start = answers.length;
    try {
        steps[name] = { value: (await call()) ?? null };
    } catch (err) {
        steps[name] = { thrown: { message: err?.message ?? String(err), status: err?.status ?? null } };
    }
    steps[name].answer = answers.length > start ? answers[answers.length - 1] : null;
    return steps[name].value;
}

function ids(count, seed) {
    // well-formed ids of orders that do not exist: cancelling them costs tokens all the same
    const hex = (n, width) => n.toString(16).padStart(width, "0");
    return Array.from({ length: count }, (_, n) => `0x${hex(seed, 32)}${hex(n, 32)}`);
}

function walletClient(privateKey) {
    const transport = custom({
        async request({ method }) {
            throw new Error(`unexpected RPC call ${method}`);
        },
    });
    return createWalletClient({ account: privateKeyToAccount(privateKey), chain: polygon, transport });
}

async function authenticated(url, privateKey) {
    const signer = walletClient(privateKey);
    const creds = await new ClobClient(url, CHAIN_ID, signer).createOrDeriveApiKey();
    if (!creds?.key) throw new Error(`no API credentials: ${JSON.stringify(creds)}`);
    return { client: new ClobClient(url, CHAIN_ID, signer, creds), signer, creds };
}

async function ownTier(url, { signer, creds }) {
    // the clients have no call for it: the request is signed with the client's own L2 headers
    const headers = await createL2Headers(signer, creds, { method: "GET", requestPath: TIER_PATH });
    return (await axios.get(url + TIER_PATH, { headers })).data;
}

async function main() {
    const [url, keyA, keyB, tokenID, adminToken] = process.argv.slice(2);
    const A = await authenticated(url, keyA);
    const B = await authenticated(url, keyB);
    const a = A.client;

    const placed = await step("A.postOrder", () => a.createAndPostOrder({ tokenID, price: 0.4, size: 10, side: Side.BUY }));
    await step("A.cancelOrders.burst", () => a.cancelOrders(ids(120, 1)));
    await step("A.cancelOrders.refused", () => a.cancelOrders([...ids(99, 2), placed?.orderID]));
    await step("A.getOpenOrders", () => a.getOpenOrders());
    await step("B.cancelOrders", () => B.client.cancelOrders(ids(100, 3)));
    await step("A.tier.before", () => ownTier(url, A));
    await step("admin.setTier", async () => {
        const headers = { Authorization: `Bearer ${adminToken}` };
        return (await axios.put(`${url}/admin/rate-limit-tiers/${A.signer.account.address}`, { tier: "elite" }, { headers })).data;
    });
    await step("A.cancelOrders.elite", () => a.cancelOrders(ids(100, 4)));
    await step("A.tier.after", () => ownTier(url, A));
    return { orderID: placed?.orderID ?? null };
}

const output = { ok: false, fatal: null, steps };
try {
    Object.assign(output, await main());
    output.ok = true;
} catch (err) {
    output.fatal = err?.stack ?? String(err);
}
process.stdout.write(JSON.stringify(output) + "\n");
process.exitCode = output.ok ? 0 : 1;
