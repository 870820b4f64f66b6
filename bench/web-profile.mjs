#!/usr/bin/env node
// CPU profile of the web process under load: `node bench/web-profile.mjs [/path] [seconds]`.
// Starts the built app as `npm start` does, profiling web (web-profile-hook.mjs), drives the path with
// autocannon (50 connections, br/gzip), stops the app and prints the web
// process's top frames by self time. The .cpuprofile file stays in the printed
// folder (open them in Chrome DevTools' Performance panel).
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import autocannon from "autocannon";
import { startApp } from "./tonight.bench.mjs";

const target = process.argv[2] ?? "/";
const seconds = Number(process.argv[3] ?? 10);
const dir = mkdtempSync(path.join(tmpdir(), "offshift-prof-"));
const hook = path.join(path.dirname(fileURLToPath(import.meta.url)), "web-profile-hook.mjs");
const app = await startApp({ NODE_OPTIONS: `--import=${pathToFileURL(hook).href}`, WEB_PROFILE_DIR: dir });
const headers = { "accept-encoding": "br, gzip" };
await autocannon({ url: app.url + target, connections: 50, duration: 2, headers });
const r = await autocannon({ url: app.url + target, connections: 50, duration: seconds, headers });
console.log(`${target}: ${Math.round(r.requests.average)} requests/s, p99 ${r.latency.p99} ms`);
await app.stop();

if (!readdirSync(dir).includes("web.cpuprofile")) throw new Error(`no web profile in ${dir}`);
const web = { f: "web.cpuprofile", p: JSON.parse(readFileSync(path.join(dir, "web.cpuprofile"), "utf8")) };
const { nodes, samples, timeDeltas } = web.p;
const byId = new Map(nodes.map((n) => [n.id, n]));
const self = new Map();
samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (timeDeltas[i] ?? 0)));
const total = [...self.values()].reduce((a, b) => a + b, 0);
const frames = new Map();
for (const [id, t] of self) {
  const { functionName, url, lineNumber } = byId.get(id).callFrame;
  const key = `${functionName || "(anonymous)"} ${url.replace(/^.*node_modules\//, "").replace(/^file:\/\/.*\/wt-[^/]+\//, "")}:${lineNumber + 1}`;
  frames.set(key, (frames.get(key) ?? 0) + t);
}
console.log(`web process profile: ${path.join(dir, web.f)}\ntop frames by self time:`);
for (const [k, t] of [...frames].sort((a, b) => b[1] - a[1]).slice(0, 25))
  console.log(`  ${((t / total) * 100).toFixed(1).padStart(5)} %  ${k}`);

// Self time by where the code comes from: a package, node's own, or ours.
const bucket = (url, fn) => {
  if (!url) return fn.startsWith("(") ? fn : `native: ${fn}`;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (pkg) return pkg;
  if (url.startsWith("node:")) return `node: ${url.slice(5).split("/")[0]}`;
  if (url.startsWith("wasm:")) return "wasm (Prisma's query compiler)";
  if (url.includes("apps/web/build")) return "apps/web build (SvelteKit and ours)";
  return url.replace(/^file:\/\/.*\/wt-[^/]+\//, "");
};
const byBucket = new Map();
for (const [id, t] of self) {
  const { functionName, url } = byId.get(id).callFrame;
  const b = bucket(url, functionName);
  byBucket.set(b, (byBucket.get(b) ?? 0) + t);
}
console.log("self time by origin:");
for (const [k, t] of [...byBucket].sort((a, b) => b[1] - a[1]).slice(0, 15))
  console.log(`  ${((t / total) * 100).toFixed(1).padStart(5)} %  ${k}`);
