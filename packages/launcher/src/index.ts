export { startEmbeddedPostgres, type EmbeddedPostgresHandle } from "./embedded.js";
export { migrateDeploy, runPrismaCli } from "./migrate.js";
export { waitForDatabase, canConnect, redactUrl } from "./wait.js";
export { repoRoot } from "./paths.js";
export { PICKED_PORTS, freePort, portFree } from "./ports.js";
export { readClock } from "./clock.js";
export {
  LIVEKIT_SERVER_HOW_TO,
  LIVEKIT_SERVER_VERSION,
  LiveKitServerError,
  findLiveKitServer,
  goBinDir,
  liveKitConfig,
  liveKitServerVersion,
  prepareLiveKitServer,
  startLiveKitServer,
  type LiveKitServerHandle,
  type LiveKitServerOptions,
} from "./livekit.js";
