import { createDb, type Db } from "@offshift/db";
import { env } from "./env.js";

let db: Db | undefined;

export function getDb(): Db {
  db ??= createDb(env().DATABASE_URL);
  return db;
}
