// A contract test of a Weavr and a LoanPro integration against the
// sandbox's container, with nothing but Node.js (18+): node:test and fetch.
//
//   docker run -d -p 8080:8080 --add-host host.docker.internal:host-gateway fintech-sandbox
//   SANDBOX_URL=http://127.0.0.1:8080 node --test examples/node/
//
// SANDBOX_URL is the sandbox; RECEIVER_HOST is the name the sandbox
// reaches this process by (host.docker.internal from a container started
// with --add-host host.docker.internal:host-gateway; 127.0.0.1 for a
// sandbox started with `go run ./cmd/sandbox`). Every request carries this
// run's own X-Sandbox-Session, so parallel runs never see each other's changes.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";

const SANDBOX = (process.env.SANDBOX_URL || "http://127.0.0.1:8080").replace(/\/$/, "");
const RECEIVER_HOST = process.env.RECEIVER_HOST || "host.docker.internal";
const ADMIN = process.env.SANDBOX_ADMIN_TOKEN ? { Authorization: `Bearer ${process.env.SANDBOX_ADMIN_TOKEN}` } : {};
const API_KEY = "sandbox-api-key";
const SESSION = "node-" + randomUUID().slice(0, 12);
const LOANPRO = `${SANDBOX}/api/public/api/1/odata.svc`;
const LOANPRO_HEADERS = { Authorization: "Bearer sandbox-token", "Autopal-Instance-Id": "5200000" };

async function call(method, url, body, headers = {}) {
  const h = { "X-Sandbox-Session": SESSION, ...headers };
  if (body !== undefined) h["Content-Type"] = "application/json";
  const res = await fetch(url, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

// Weavr's signature-v2: base64(HMAC-SHA256(api key, call-ref + raw body + published-timestamp)).
function weavrSignatureOk(headers, rawBody, apiKey) { // Node lower-cases header names
  const msg = Buffer.concat([Buffer.from(headers["call-ref"]), rawBody, Buffer.from(headers["published-timestamp"])]);
  const want = Buffer.from(createHmac("sha256", apiKey).update(msg).digest("base64"));
  const got = Buffer.from(headers["signature-v2"] || "");
  return got.length === want.length && timingSafeEqual(got, want);
}

// The webhook receiver: on every interface, since a container does not
// share this host's loopback. Each delivery resolves the next waiter.
const deliveries = [];
const waiters = [];
const receiver = createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    const d = { path: req.url, headers: req.headers, raw: Buffer.concat(chunks) };
    const w = waiters.shift();
    w ? w(d) : deliveries.push(d);
    res.writeHead(204).end();
  });
});
function nextDelivery(ms) {
  if (deliveries.length) return Promise.resolve(deliveries.shift());
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no webhook within ${ms} ms`)), ms);
    waiters.push((d) => { clearTimeout(t); resolve(d); });
  });
}

before(async () => {
  await new Promise((resolve) => receiver.listen(0, "0.0.0.0", resolve));
  const url = `http://${RECEIVER_HOST}:${receiver.address().port}/hooks`;
  const { status } = await call("PUT", `${SANDBOX}/__sandbox/sessions/${SESSION}/webhooks`, { url }, ADMIN);
  assert.equal(status, 200, "setting this session's webhook URL");
});

after(async () => {
  await call("DELETE", `${SANDBOX}/__sandbox/sessions/${SESSION}`, undefined, ADMIN);
  receiver.close();
});

test("Weavr: login, PATCH, a rule's 409, the KYC webhook signed", async () => {
  let r = await call("POST", `${SANDBOX}/multi/login_with_password`,
    { email: "alice@example.com", password: { value: "Passw0rd!" } }, { "api-key": API_KEY });
  assert.equal(r.status, 200);
  const auth = { "api-key": API_KEY, Authorization: `Bearer ${r.body.token}` };

  const address = { addressLine1: "1 Dock St", city: "Leith", postCode: "EH6 6AA", country: "GB" };
  r = await call("PATCH", `${SANDBOX}/multi/consumers`, { address }, auth);
  assert.equal(r.status, 200);
  assert.equal(r.body.rootUser.address.addressLine1, "1 Dock St");

  // Weavr's rule, not a scripted answer: bob already has this email.
  r = await call("PATCH", `${SANDBOX}/multi/consumers`, { email: "bob@example.com" }, auth);
  assert.deepEqual([r.status, r.body], [409, { errorCode: "EMAIL_NOT_UNIQUE" }]);

  r = await call("POST", `${SANDBOX}/multi/consumers/kyc`, {}, auth);
  assert.equal(r.status, 200);
  const d = await nextDelivery(20000);
  assert.equal(d.path, "/hooks/consumers/kyc/watch");
  assert.ok(weavrSignatureOk(d.headers, d.raw, API_KEY), "signature-v2 verifies");
  const event = JSON.parse(d.raw);
  assert.equal(event.consumerEmail, "alice@example.com");
  assert.equal(event.status, "INITIATED");
});

test("LoanPro: PUT a customer, read it back, a duplicate-email 409", async () => {
  let r = await call("PUT", `${LOANPRO}/Customers(1)`, { firstName: "Johnny" }, LOANPRO_HEADERS);
  assert.equal(r.status, 200);
  assert.equal(r.body.d.firstName, "Johnny");
  r = await call("GET", `${LOANPRO}/Customers(1)`, undefined, LOANPRO_HEADERS);
  assert.deepEqual([r.status, r.body.d.firstName], [200, "Johnny"]);
  r = await call("PUT", `${LOANPRO}/Customers(1)`, { email: "jane.doe@example.com" }, LOANPRO_HEADERS);
  assert.equal(r.status, 409);
});
