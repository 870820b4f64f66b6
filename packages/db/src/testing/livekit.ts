import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  LIVEKIT_SERVER_HOW_TO,
  findLiveKitServer,
  prepareLiveKitServer,
  type LiveKitServerHandle,
  type LiveKitServerOptions,
} from "@offshift/launcher";

/**
 * The livekit-server binary for a test file, or null. Without it the tests that
 * need the real SFU are skipped with one line saying how to get it; in CI
 * (CI=true) a missing binary is an error, so those tests can never be skipped
 * there without the run failing.
 */
export function liveKitServerForTests(what = "LiveKit tests"): string | null {
  // faketime moves the clock of programs that ask libc for it; Go programs such as
  // livekit-server read the kernel's clock directly, so under a shifted clock the
  // server would see every token as issued 400 days in the future. The LiveKit
  // tests run in the ordinary run; the shifted run says it skips them.
  if (process.env.OFFSHIFT_CLOCK_SHIFTED) {
    console.warn(
      `[offshift] Skipping ${what} under a shifted clock (${process.env.OFFSHIFT_CLOCK_SHIFTED}): livekit-server is a Go program and faketime cannot move its clock.`,
    );
    return null;
  }
  const bin = findLiveKitServer();
  if (bin) return bin;
  if (process.env.CI === "true" || process.env.CI === "1") {
    throw new Error(
      `CI must run the ${what} against the real livekit-server, and none was found. ${LIVEKIT_SERVER_HOW_TO}`,
    );
  }
  console.warn(`[offshift] Skipping ${what}: no livekit-server binary on this machine. ${LIVEKIT_SERVER_HOW_TO}`);
  return null;
}

export interface TestLiveKit extends LiveKitServerHandle {
  /** Stops the server and removes its folder. */
  dispose(): Promise<void>;
}

/**
 * A real LiveKit server on loopback for one test file: free ports, generated
 * key and secret, its own temporary folder. Prepared, not started (so the
 * realtime under test can be given its URL first and its webhook URL given to
 * it): call start().
 */
export async function prepareTestLiveKit(
  bin: string,
  options: Omit<LiveKitServerOptions, "bin" | "dir"> = {},
): Promise<TestLiveKit> {
  const dir = mkdtempSync(path.join(tmpdir(), "offshift-livekit-"));
  const handle = await prepareLiveKitServer({ bin, dir, logLevel: "info", ...options });
  return Object.assign(handle, {
    async dispose() {
      await handle.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  });
}
