#!/usr/bin/env node
// npm run db:migration -- <name>
//
// Creates prisma/migrations/<timestamp>_<name>/migration.sql from the change
// between the schema as of the last migration (its schema.snapshot.prisma) and
// prisma/schema.prisma now. `prisma migrate dev` cannot run on our machines
// (no native schema engine; the WASM engine's shadow-database and
// introspection paths fail through the pg adapter), so migrations are authored
// with `prisma migrate diff` between two datamodels and applied everywhere
// with `prisma migrate deploy`.
//
// The Prisma CLI insists on connecting its adapter even for this offline diff,
// so a throwaway embedded PostgreSQL is started unless DATABASE_URL is set
// (nothing is written to that database).
import { mkdtempSync, mkdirSync, readdirSync, existsSync, copyFileSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { runPrismaCli, startEmbeddedPostgres } from "@offshift/launcher";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const migrationsDir = path.join(root, "prisma/migrations");
const name = process.argv[2];
if (!name || !/^[a-z0-9][a-z0-9_]{0,60}$/.test(name)) {
  console.error("Usage: npm run db:migration -- <name>   (lower-case letters, digits and _; e.g. add_volunteer_tags)");
  process.exit(2);
}

const previous = readdirSync(migrationsDir, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort()
  .reverse()
  .find((d) => existsSync(path.join(migrationsDir, d, "schema.snapshot.prisma")));
const from = previous
  ? ["--from-schema-datamodel", path.join("prisma/migrations", previous, "schema.snapshot.prisma")]
  : ["--from-empty"];

let pg;
let scratch;
let databaseUrl = process.env.DATABASE_URL;
try {
  if (!databaseUrl) {
    scratch = mkdtempSync(path.join(tmpdir(), "offshift-migration-"));
    pg = await startEmbeddedPostgres({ dataDir: scratch, port: 0, database: "scratch" });
    databaseUrl = pg.url;
  }
  const { code, output } = await runPrismaCli(
    ["migrate", "diff", ...from, "--to-schema-datamodel", "prisma/schema.prisma", "--script"],
    databaseUrl,
  );
  if (code !== 0) throw new Error(output);
  const sql = output.slice(output.indexOf("--")).trim();
  if (!sql || sql === "-- This is an empty migration.") {
    console.log("No schema changes since the last migration; nothing created.");
  } else {
    const stamp = new Date().toISOString().replace(/[-:T]/g, "").slice(0, 14);
    const dir = path.join(migrationsDir, `${stamp}_${name}`);
    mkdirSync(dir);
    writeFileSync(path.join(dir, "migration.sql"), sql + "\n");
    copyFileSync(path.join(root, "prisma/schema.prisma"), path.join(dir, "schema.snapshot.prisma"));
    console.log(
      `Created ${path.relative(root, dir)}/migration.sql. Review it, then commit it with schema.snapshot.prisma.`,
    );
  }
} catch (err) {
  console.error(`db:migration failed: ${err instanceof Error ? err.message : err}`);
  process.exitCode = 1;
} finally {
  await pg?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
}
