// Drives @polymarket/clob-client 5.x (unmodified) against `openclob serve` with fault rules set through the admin
// API, and prints ONE JSON object: each step's value (or what it threw) and the rule it ran under.
//
//   node faults.mjs <url> <private-key> <second-key> <token-id> <admin-token>
//
// Wallet A (private key) needs 100 collateral deposited beforehand; wallet B nothing (its key is created under a
// new_key_delay rule). The TS client returns HTTP errors as values ({error, status}; {error: message} when no
// answer came), so a fault is a step's value, not a throw. The Python test (tests/e2e/test_node_faults.py) checks
// the outcome; the script only fails (exit 1, still printing JSON) when it cannot run at all.

import axios from "axios";
import { ClobClient, Side } from "@polymarket/clob-client";
import { createWalletClient, custom } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { polygon } from "viem/chains";

const CHAIN_ID = 137;
const CLIENT_TIMEOUT_MS = 500;

const steps = {};

async function step(name, call) {
    try {
        steps[name] = { value: (await call()) ?? null };
    } catch (err) {
        steps[name] = { thrown: { message: err?.message ?? String(err), status: err?.status ?? null } };
    }
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

async function authenticated(url, privateKey) {
    const signer = walletClient(privateKey);
    const creds = await new ClobClient(url, CHAIN_ID, signer).createOrDeriveApiKey();
    if (!creds?.key) throw new Error(`no API credentials: ${JSON.stringify(creds)}`);
    return new ClobClient(url, CHAIN_ID, signer, creds);
}

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));

async function main() {
    const [url, keyA, keyB, tokenID, adminToken] = process.argv.slice(2);
    const admin = axios.create({ baseURL: url, headers: { Authorization: `Bearer ${adminToken}` } });
    const rule = async body => (await admin.post("/admin/faults", body)).data;
    const a = await authenticated(url, keyA);
    const bid = price => a.createAndPostOrder({ tokenID, price, size: 10, side: Side.BUY });

    await rule({ kind: "status", status: 425, method: "POST", path: "/order", count: 1 });
    await step("status425.postOrder", () => bid(0.4));
    await step("afterCount.postOrder", () => bid(0.41));
    for (const status of [403, 429, 500, 503]) {
        await rule({ kind: "status", status, path: "/book", count: 1 });
        await step(`status${status}.getOrderBook`, () => a.getOrderBook(tokenID));
    }
    await rule({ kind: "delay", delay_ms: 200, path: "/book", count: 1 });
    await step("delay.getOrderBook", () => a.getOrderBook(tokenID));

    await rule({ kind: "drop", method: "POST", path: "/order", count: 1 });
    await step("drop.postOrder", () => bid(0.42));
    await step("drop.getOpenOrders", () => a.getOpenOrders());

    await rule({ kind: "timeout_after_apply", method: "POST", path: "/order", count: 1 });
    await step("timeoutAfterApply.postOrder", () => bid(0.43));
    await step("timeoutAfterApply.getOpenOrders", () => a.getOpenOrders());

    await rule({ kind: "timeout_after_apply", method: "POST", path: "/order", count: 1, delay_ms: 3 * CLIENT_TIMEOUT_MS });
    axios.defaults.timeout = CLIENT_TIMEOUT_MS; // the clients call axios itself: its defaults are theirs
    try {
        await step("timeoutAfterApplyDelayed.postOrder", () => bid(0.44));
    } finally {
        axios.defaults.timeout = 0;
    }
    await step("timeoutAfterApplyDelayed.getOpenOrders", () => a.getOpenOrders());

    await rule({ kind: "new_key_delay", delay_ms: 1500 });
    const b = await authenticated(url, keyB);
    await step("newKeyDelay.getApiKeys", () => b.getApiKeys());
    await step("newKeyDelay.getOpenOrders", () => b.getOpenOrders()); // pages through `data`: throws on an error
    const deadline = Date.now() + 30_000;
    for (;;) {
        const answer = await b.getApiKeys();
        if (answer?.apiKeys || Date.now() > deadline) {
            steps["newKeyDelay.later"] = { value: answer ?? null };
            break;
        }
        await sleep(100);
    }
    await step("newKeyDelay.olderKey", () => a.getOpenOrders());
    await step("rulesLeft", async () => (await admin.get("/admin/faults")).data);
    return {};
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
