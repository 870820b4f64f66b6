// Prisma CLI configuration. The CLI runs on its bundled WASM schema engine
// through a driver adapter, because native engine binaries cannot be
// downloaded on our build machines (see ../shared/ENVIRONMENT.md).
// The CLI adapter is @prisma/adapter-pg 7.x (aliased as pg-adapter-cli):
// 6.19's adapter cannot deserialize the `name` column type during migrate
// (prisma/orm#27403).
import path from "node:path";
import { defineConfig } from "prisma/config";
import { PrismaPg } from "pg-adapter-cli";

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: path.join("prisma", "schema.prisma"),
  migrations: { path: path.join("prisma", "migrations") },
  async adapter() {
    const connectionString = process.env.DATABASE_URL;
    if (!connectionString) throw new Error("DATABASE_URL is required for Prisma CLI commands");
    // A short idle timeout lets the CLI exit as soon as it is done (the pg
    // default keeps the process alive for 10 s after the last query).
    return new PrismaPg({ connectionString, idleTimeoutMillis: 50 });
  },
});
