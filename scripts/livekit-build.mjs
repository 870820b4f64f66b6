#!/usr/bin/env node
// `npm run livekit:build`: builds the real LiveKit server (an SFU written in Go)
// from its Go module, pinned to LIVEKIT_SERVER_VERSION, into Go's bin folder as
// `livekit-server`. A second run finds it there and does nothing. Needs Go
// (1.26 here) and the Go module proxy; nothing of LiveKit enters this repository.
import { spawnSync } from "node:child_process";
import { mkdtempSync, mkdirSync, renameSync, copyFileSync, rmSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

const { LIVEKIT_SERVER_VERSION, goBinDir, liveKitServerVersion } = await import("@offshift/launcher");
const say = (msg) => console.log(`[livekit] ${msg}`);
const MODULE = "github.com/livekit/livekit-server";

const go = spawnSync("go", ["env", "GOPATH", "GOBIN"], { encoding: "utf8" });
if (go.error || go.status !== 0) {
  console.error(
    "[livekit] Go is not installed (or not on PATH). Install Go 1.26 or later, or download a livekit-server binary and set LIVEKIT_SERVER_BIN.",
  );
  process.exit(1);
}
const [gopath, gobin] = go.stdout.split("\n");
const binDir = goBinDir({ GOBIN: gobin || undefined, GOPATH: gopath || undefined });
const target = path.join(binDir, "livekit-server");

const have = liveKitServerVersion(target);
if (have === LIVEKIT_SERVER_VERSION && !process.argv.includes("--force")) {
  say(`${target} is already ${have}; nothing to build.`);
  process.exit(0);
}
say(`Building livekit-server ${LIVEKIT_SERVER_VERSION} from ${MODULE} (a minute or two the first time)…`);
const started = Date.now();
const scratch = mkdtempSync(path.join(tmpdir(), "livekit-build-"));
try {
  const built = spawnSync("go", ["install", `${MODULE}/cmd/server@${LIVEKIT_SERVER_VERSION}`], {
    stdio: "inherit",
    env: { ...process.env, GOBIN: scratch },
  });
  if (built.status !== 0) {
    console.error(`[livekit] go install failed (exit ${built.status}); see its error above.`);
    process.exit(1);
  }
  mkdirSync(binDir, { recursive: true });
  const from = path.join(scratch, "server");
  try {
    renameSync(from, target);
  } catch {
    copyFileSync(from, target); // another file system
  }
  chmodSync(target, 0o755);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
const now = liveKitServerVersion(target);
if (now !== LIVEKIT_SERVER_VERSION) {
  console.error(`[livekit] ${target} reports ${now ?? "nothing"}, expected ${LIVEKIT_SERVER_VERSION}.`);
  process.exit(1);
}
say(`Built ${target} (${now}) in ${Math.round((Date.now() - started) / 1000)} s.`);
