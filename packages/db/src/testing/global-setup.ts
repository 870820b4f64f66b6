import type { TestProject } from "vitest/node";
import { startTestCluster } from "./index.js";

/** Vitest globalSetup: one PostgreSQL for the whole run of a package's tests. */
export default async function setup(project: TestProject) {
  const cluster = await startTestCluster();
  project.provide("pgAdminUrl", cluster.adminUrl);
  return async () => {
    await cluster.stop();
  };
}
