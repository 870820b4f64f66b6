import { ConfigError, parseEnv, webEnvSchema, type WebEnv } from "@offshift/core";

let cached: WebEnv | undefined;

/** The web app's environment, parsed once; a bad value stops start-up with its name. */
export function env(): WebEnv {
  if (cached) return cached;
  try {
    cached = parseEnv(webEnvSchema, process.env);
    return cached;
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`offshift web: ${err.message}`);
      process.exit(1);
    }
    throw err;
  }
}
