/*
 * The data package's entrance (`@offshift/db`, src/index.ts) gives apps use
 * cases and read models, and an opaque handle to pass them: never the Prisma
 * client, its namespace, the pool under it, or the cast that unwraps a handle.
 * The type-level half is checked by `npm run check` (tsc): each
 * `@ts-expect-error` fails the check the day a handle lets an app reach Prisma.
 */
import { describe, expect, expectTypeOf, it } from "vitest";
import { Prisma, PrismaClient } from "./generated/prisma/client.js";
import * as enums from "./generated/prisma/enums.js";
import * as entrance from "./index.js";
import { clientForAuthAdapter, createDb, listVolunteers, type Db, type DbOrTx, type Tx } from "./index.js";

const isClass = (v: unknown) => typeof v === "function" && /^class\b/.test(Function.prototype.toString.call(v));
const isPlainStringRecord = (v: unknown) =>
  typeof v === "object" &&
  v !== null &&
  !Array.isArray(v) &&
  Object.getPrototypeOf(v) === Object.prototype &&
  Object.values(v).every((x) => typeof x === "string");

describe("@offshift/db's entrance", () => {
  it("exports no Prisma client class, Prisma namespace, pool or handle unwrapping at run time", () => {
    const values: unknown[] = Object.values(entrance);
    expect(values).not.toContain(PrismaClient);
    expect(values).not.toContain(Prisma);
    expect(Object.keys(entrance).filter((name) => /prisma|pool|^client$|^\$/i.test(name))).toEqual([]);
  });

  it("exports functions, one class that holds no database, plain constants, and the schema's enums as plain data", () => {
    const kinds: Record<string, string[]> = {};
    for (const [name, value] of Object.entries(entrance)) {
      const kind = isClass(value)
        ? "class"
        : typeof value === "function"
          ? "function"
          : typeof value === "string" || typeof value === "number"
            ? "constant"
            : Array.isArray(value) || isPlainStringRecord(value)
              ? "data"
              : "other";
      (kinds[kind] ??= []).push(name);
    }
    expect(kinds.other ?? []).toEqual([]);
    // LiveRoomCache keeps room truths in memory; it is handed nothing from the database layer.
    expect(kinds.class).toEqual(["LiveRoomCache"]);
    // Every enum of the schema is there as the same plain record of strings core and apps compare with.
    for (const [name, value] of Object.entries(enums)) {
      expect(isPlainStringRecord(value), name).toBe(true);
      expect((entrance as Record<string, unknown>)[name], name).toBe(value);
    }
  });

  it("types a handle as opaque: no table, raw query, transaction or disconnect is reachable through it", () => {
    expectTypeOf<Extract<keyof Db, string>>().toBeNever();
    expectTypeOf<Extract<keyof Tx, string>>().toBeNever();
    expectTypeOf<Extract<keyof DbOrTx, string>>().toBeNever();
    expectTypeOf(createDb).returns.toEqualTypeOf<Db>();
    expectTypeOf(listVolunteers).parameter(0).toEqualTypeOf<Db>();
    // Sign-in's adapter gets the client as a bare object: handed over, never called by the app.
    expectTypeOf(clientForAuthAdapter).returns.toEqualTypeOf<object>();
    // Neither a Prisma client nor a transaction's client passes for a handle without the package's own cast.
    expectTypeOf<PrismaClient>().not.toExtend<Db>();
    expectTypeOf<Prisma.TransactionClient>().not.toExtend<DbOrTx>();
    const probe = (db: Db, tx: Tx) => {
      // @ts-expect-error a handle has no tables
      void db.person;
      // @ts-expect-error nor raw SQL
      void db.$queryRaw;
      // @ts-expect-error nor transactions: a use case owns its own
      void db.$transaction;
      // @ts-expect-error nor disconnect: closeDb(db) ends it
      void db.$disconnect;
      // @ts-expect-error a transaction handle has no tables either
      void tx.person;
    };
    expect(typeof probe).toBe("function");
  });
});
