// Load generator of the gateway benchmark (benches/test_bench_gateway.py), in Node so
// that the client costs little CPU next to the Python gateway on a small machine:
// one event loop, keep-alive HTTP connections, a minimal WebSocket client.
// It reports its own CPU time so the reader can see what it took from the gateway.
//
//   node gateway_load.mjs rest URL SPEC.json   SPEC: {keys, per_user, think_s, paths, auth}
//   node gateway_load.mjs ws URL SPEC.json     SPEC: {key, clients, events, client}
//
// rest: one user per key, each on its own connection, asking `per_user` times for
// `paths` in turn (with the key as a Bearer token when `auth`), pausing
// think_s * U(0.5, 1.5) between requests, starts spread over think_s; prints one JSON
// line {seconds: [...], started_s: [...], cpu_s, wall_s} (each request's latency and
// when it started; after a warm-up of 5 users, not recorded).
// ws: opens the clients (client "raw": the minimal one below; "runtime": the runtime's
// WebSocket, needs --experimental-websocket on Node 20), authenticates and subscribes
// each to "opportunities", prints READY once all have their first message, then
// records, for each non-snapshot event, now - data.published_unix_nanos (the engine's
// publish time; same host clock), and prints one JSON line {seconds: [...], cpu_s,
// wall_s} after `events` events per client.

import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import http from "node:http";
import net from "node:net";

const [mode, baseUrl, specPath] = process.argv.slice(2);
const spec = JSON.parse(readFileSync(specPath, "utf8"));

function nowNs() {
  // wall clock with sub-millisecond resolution (compared with the engine's time_ns)
  return (performance.timeOrigin + performance.now()) * 1e6;
}

function cpuSeconds() {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

function seededRandom(seed) {
  // mulberry32: well mixed from the first draw, so users with seeds 1, 2, 3, ... do
  // not start in lockstep (a plain LCG's first draws of nearby seeds are nearly equal)
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function get(agent, url, headers) {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { agent, headers }, (response) => {
      const chunks = [];
      response.on("data", (chunk) => chunks.push(chunk));
      response.on("end", () => resolve({ status: response.statusCode, body: Buffer.concat(chunks) }));
      response.on("error", reject);
    });
    request.on("error", reject);
  });
}

async function restUser(index, key, requests, thinkMs, out) {
  // one connection per user, as each dashboard user has its own browser
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const headers = spec.auth ? { authorization: `Bearer ${key}` } : {};
  const random = seededRandom(index + 1);
  await sleep(random() * thinkMs);
  for (let i = 0; i < requests; i++) {
    const path = spec.paths[i % spec.paths.length];
    const started = process.hrtime.bigint();
    const response = await get(agent, baseUrl + path, headers);
    const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
    if (response.status !== 200) {
      throw new Error(`${path}: HTTP ${response.status}: ${response.body.toString().slice(0, 300)}`);
    }
    if (out !== null) out.push([elapsed, Number(started - restStart) / 1e9]);
    if (thinkMs > 0) await sleep(thinkMs * (0.5 + random()));
  }
  agent.destroy();
}

let restStart = 0n;

async function rest() {
  // warm-up: 5 users back to back, not recorded (connections, caches, JIT)
  await Promise.all(spec.keys.slice(0, 5).map((k, i) => restUser(i, k, 10, 0, null)));
  const out = [];
  const cpu = cpuSeconds();
  const wall = performance.now();
  restStart = process.hrtime.bigint();
  const thinkMs = spec.think_s * 1000;
  await Promise.all(spec.keys.map((k, i) => restUser(i, k, spec.per_user, thinkMs, out)));
  console.log(JSON.stringify({
    seconds: out.map(([elapsed]) => elapsed), started_s: out.map(([, at]) => at),
    cpu_s: cpuSeconds() - cpu, wall_s: (performance.now() - wall) / 1000,
  }));
}

// A minimal RFC 6455 client on a plain TCP socket: no permessage-deflate offered, no
// per-message event objects, so 200 connections cost the generator little CPU
// (the runtime's WebSocket client took ~40 us a message, ~8 ms an event for 200).
class RawWebSocket {
  constructor(url, onText, onClose) {
    const { hostname, port, pathname } = new URL(url);
    this.onText = onText;
    this.onClose = onClose;
    this.buffer = Buffer.alloc(0);
    this.open = false;
    this.socket = net.connect({ host: hostname, port: Number(port), noDelay: true });
    this.opened = new Promise((resolve, reject) => {
      this.socket.once("connect", () => {
        const key = randomBytes(16).toString("base64");
        this.socket.write(`GET ${pathname} HTTP/1.1\r\nHost: ${hostname}:${port}\r\n`
          + "Upgrade: websocket\r\nConnection: Upgrade\r\n"
          + `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
      });
      this.socket.on("data", (chunk) => {
        this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
        if (!this.open) {
          const end = this.buffer.indexOf("\r\n\r\n");
          if (end < 0) return;
          const head = this.buffer.subarray(0, end).toString();
          if (!head.startsWith("HTTP/1.1 101")) {
            reject(new Error(`handshake refused: ${head.split("\r\n")[0]}`));
            return;
          }
          this.open = true;
          this.buffer = this.buffer.subarray(end + 4);
          resolve();
        }
        this.frames();
      });
      this.socket.on("error", reject);
      this.socket.on("close", () => this.onClose());
    });
  }

  frames() {
    for (;;) {
      const b = this.buffer;
      if (b.length < 2) return;
      const opcode = b[0] & 0x0f;
      let length = b[1] & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (b.length < 4) return;
        length = b.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (b.length < 10) return;
        length = Number(b.readBigUInt64BE(2));
        offset = 10;
      }
      if (b.length < offset + length) return;
      const payload = b.subarray(offset, offset + length);
      this.buffer = b.subarray(offset + length);
      if (opcode === 1) this.onText(payload.toString());  // the gateway never fragments
      else if (opcode === 9) this.send(payload, 10);  // ping -> pong
      else if (opcode === 8) this.socket.end();
    }
  }

  send(data, opcode = 1) {
    const payload = typeof data === "string" ? Buffer.from(data) : data;
    if (payload.length > 65535) throw new Error("message too long for this client");
    const mask = randomBytes(4);
    const head = payload.length < 126
      ? Buffer.from([0x80 | opcode, 0x80 | payload.length])
      : Buffer.from([0x80 | opcode, 0x80 | 126, payload.length >> 8, payload.length & 0xff]);
    const masked = Buffer.alloc(payload.length);
    for (let i = 0; i < payload.length; i++) masked[i] = payload[i] ^ mask[i & 3];
    this.socket.write(Buffer.concat([head, mask, masked]));
  }

  close() {
    this.send(Buffer.from([0x03, 0xe8]), 8);  // 1000, normal closure
    this.socket.end();
  }
}

// The runtime's WebSocket (undici), for comparison: it offers permessage-deflate, as
// browsers do, so a gateway that accepts compression compresses for it.
class RuntimeWebSocket {
  constructor(url, onText, onClose) {
    this.socket = new WebSocket(url);
    this.socket.onmessage = (message) => onText(message.data);
    this.socket.onclose = () => onClose();
    this.opened = new Promise((resolve, reject) => {
      this.socket.onopen = () => resolve();
      this.socket.onerror = (event) => reject(new Error(`WebSocket error: ${event.message}`));
    });
  }

  send(text) {
    this.socket.send(text);
  }

  close() {
    this.socket.close();
  }
}

function wsClient(url, key, events, ready, out) {
  return new Promise((resolve, reject) => {
    let subscribed = false;
    let got = 0;
    const Client = spec.client === "runtime" ? RuntimeWebSocket : RawWebSocket;
    const socket = new Client(url, (text) => {
      const received = nowNs();
      if (!subscribed) {
        const parsed = JSON.parse(text);
        if (parsed.type === "error") reject(new Error(text));
        if (parsed.type === "event" || parsed.type === "snapshot") {
          subscribed = true;
          ready();
        }
        return;
      }
      // the time first; then no JSON.parse of the whole batch (a few us a message, 200
      // messages an event): the batch's own published_unix_nanos is its last such key
      if (!text.startsWith('{"type":"event"') || text.includes('"snapshot":true')) return;
      const at = text.lastIndexOf('"published_unix_nanos":');
      const published = Number.parseInt(text.slice(at + 23, at + 45), 10);
      if (at < 0 || !Number.isFinite(published)) reject(new Error(`no published_unix_nanos: ${text}`));
      out.push((received - published) / 1e9);
      got += 1;
      if (got === events) {
        socket.close();
        resolve();
      }
    }, () => {
      if (got < events) reject(new Error(`closed early after ${got} events`));
    });
    socket.opened.then(() => {
      socket.send(JSON.stringify({ type: "auth", token: key }));
      socket.send(JSON.stringify({ type: "subscribe", topics: ["opportunities"] }));
    }, reject);
  });
}

async function ws() {
  const url = baseUrl.replace(/^http/, "ws") + "/ws";
  const out = [];
  let waiting = spec.clients;
  let allReady;
  const readyPromise = new Promise((resolve) => { allReady = resolve; });
  const ready = () => { if (--waiting === 0) allReady(); };
  const clients = [];
  for (let i = 0; i < spec.clients; i++) {
    clients.push(wsClient(url, spec.key, spec.events, ready, out));
  }
  const failed = Promise.race(clients).then(() => new Promise(() => {}));
  await Promise.race([readyPromise, failed]);
  const cpu = cpuSeconds();
  const wall = performance.now();
  console.log("READY");
  await Promise.all(clients);
  console.log(JSON.stringify({
    seconds: out, cpu_s: cpuSeconds() - cpu, wall_s: (performance.now() - wall) / 1000,
  }));
}

if (mode === "rest") {
  await rest();
} else if (mode === "ws") {
  await ws();
} else {
  throw new Error(`mode: rest or ws, not ${mode}`);
}
