export { startEmbeddedPostgres, type EmbeddedPostgresHandle } from "./embedded.js";
export { migrateDeploy, runPrismaCli } from "./migrate.js";
export { waitForDatabase, canConnect, redactUrl } from "./wait.js";
export { repoRoot } from "./paths.js";
export { freePort, portFree } from "./ports.js";
export { readClock } from "./clock.js";
