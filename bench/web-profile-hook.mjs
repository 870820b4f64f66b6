// Preloaded by web-profile.mjs through NODE_OPTIONS (which refuses --cpu-prof):
// profiles the web process only, and writes the profile when it is told to stop.
import { Session } from "node:inspector";
import { writeFileSync } from "node:fs";
import path from "node:path";

if (process.argv[1]?.includes(path.join("apps", "web", "build")) && process.env.WEB_PROFILE_DIR) {
  const session = new Session();
  session.connect();
  session.post("Profiler.enable");
  session.post("Profiler.setSamplingInterval", { interval: 200 });
  session.post("Profiler.start");
  process.once("SIGTERM", () => {
    session.post("Profiler.stop", (err, result) => {
      if (!err) writeFileSync(path.join(process.env.WEB_PROFILE_DIR, "web.cpuprofile"), JSON.stringify(result.profile));
    });
  });
}
