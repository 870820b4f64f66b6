// Server throughput of our pages beside a bare SvelteKit page, in one run on one
// machine: the built app as `npm start` starts it (embedded PostgreSQL, demo
// data) and a bare SvelteKit 2 + adapter-node app (bench/web-bare, built here)
// rendering as many similar cards from `load` as Tonight shows. autocannon, 50
// connections, `accept-encoding: br, gzip`, for:
//   - Tonight (`/`) for a first-time visitor and for a guest with a nickname,
//   - a session page (`/sessions/<id>`, the first one Tonight links to),
//   - the calendar feed (`/sessions.ics`),
// each as requests/s, p99 latency, and its share of the bare page's requests/s.
// WEB_BENCH_SECONDS (default 10) sets the length of each run.
// Needs `npm run build` first (or `npm start` once).
import { spawn, spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import { startApp } from "./tonight.bench.mjs";

export const title = "Web pages under load beside a bare SvelteKit page (50 connections, br/gzip)";

const here = path.dirname(fileURLToPath(import.meta.url));
const bareDir = path.join(here, "web-bare");
const SECONDS = Number(process.env.WEB_BENCH_SECONDS ?? 10);
const CONNECTIONS = 50;

function buildBare() {
  const vite = path.join(path.dirname(createRequire(import.meta.url).resolve("vite/package.json")), "bin/vite.js");
  const r = spawnSync(process.execPath, [vite, "build"], { cwd: bareDir, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`building the bare SvelteKit page failed:\n${r.stdout}\n${r.stderr}`);
}

async function startBare(cards) {
  const child = spawn(process.execPath, [path.join(bareDir, "build/index.js")], {
    env: { PATH: process.env.PATH, PORT: "0", HOST: "127.0.0.1", BARE_CARDS: String(cards), NODE_ENV: "production" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out += d));
  const deadline = Date.now() + 30_000;
  let m;
  while (!(m = /Listening on http:\/\/[^:]+:(\d+)/.exec(out))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`the bare SvelteKit page did not start:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `http://127.0.0.1:${m[1]}`,
    async stop() {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    },
  };
}

/** One autocannon run; a 5 s warm-up first (JIT, lazily loaded chunks, pools). Fails on any non-2xx answer. */
async function load(url, headers = {}) {
  const opts = { url, connections: CONNECTIONS, headers: { "accept-encoding": "br, gzip", ...headers } };
  await autocannon({ ...opts, duration: 5 });
  const r = await autocannon({ ...opts, duration: SECONDS });
  if (r.non2xx) throw new Error(`${url}: ${r.non2xx} answers were not 2xx`);
  const result = {
    rps: Math.round(r.requests.average),
    p99: r.latency.p99,
    bytes: Math.round(r.throughput.average / r.requests.average),
    // Requests still unanswered after autocannon's 10 s timeout.
    timeouts: r.timeouts,
  };
  console.error(
    `    ${url.replace(/^http:\/\/[^/]+/, "")}${headers.cookie ? " (guest)" : ""}: ${JSON.stringify(result)}`,
  );
  return result;
}

/** A guest with a nickname (as /join makes one): the cookie Tonight is then read with. */
async function guestCookie(url) {
  const res = await fetch(`${url}/join?/join`, {
    method: "POST",
    redirect: "manual",
    headers: { origin: url, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ nickname: "Bench Owl", agreement: "on", next: "/" }),
  });
  const cookie = res.headers.getSetCookie().find((c) => c.startsWith("offshift_guest="));
  if (!cookie) throw new Error(`could not make a guest (${res.status})`);
  return cookie.split(";")[0];
}

export async function run() {
  buildBare();
  const app = await startApp();
  try {
    const html = await (await fetch(`${app.url}/`)).text();
    const cards = html.match(/data-testid="session-card"/g)?.length ?? 0;
    const sessionId = /href="\.?\/sessions\/([0-9a-f-]{36})"/.exec(html)?.[1];
    if (!cards || !sessionId) throw new Error("Tonight showed no sessions: is the demo data seeded?");
    const guest = await guestCookie(app.url);
    const bare = await startBare(cards);
    let bareResult;
    try {
      bareResult = await load(`${bare.url}/`);
    } finally {
      await bare.stop();
    }
    const pages = [
      ["Tonight, first visit", await load(`${app.url}/`)],
      ["Tonight, guest with a nickname", await load(`${app.url}/`, { cookie: guest })],
      ["session page", await load(`${app.url}/sessions/${sessionId}`)],
      ["/sessions.ics", await load(`${app.url}/sessions.ics`)],
    ];
    const share = (rps) => Math.round((rps / bareResult.rps) * 100);
    return [
      {
        name: `bare SvelteKit page (${cards} cards): requests/s`,
        value: bareResult.rps,
        unit: "req/s",
        lowerIsBetter: false,
      },
      { name: `bare SvelteKit page (${cards} cards): p99`, value: bareResult.p99, unit: "ms" },
      ...pages.flatMap(([name, r]) => [
        { name: `${name}: requests/s`, value: r.rps, unit: "req/s", lowerIsBetter: false },
        { name: `${name}: share of the bare page's requests/s`, value: share(r.rps), unit: "%", lowerIsBetter: false },
        { name: `${name}: p99`, value: r.p99, unit: "ms" },
        { name: `${name}: bytes per response`, value: r.bytes, unit: "B" },
        { name: `${name}: requests timed out (10 s)`, value: r.timeouts, unit: "count" },
      ]),
    ];
  } finally {
    await app.stop();
  }
}
