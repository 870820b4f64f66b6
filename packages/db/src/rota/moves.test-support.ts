import { randomUUID } from "node:crypto";
import type { Actor } from "@offshift/core";
import type { Db } from "../client.js";
import { testPrisma } from "../testing/prisma.js";
import { applyAutoFill } from "./coordinator.js";
import * as moves from "./signup.js";

/**
 * The volunteer's rota moves called as the tests write them, one input with
 * the `personId` acting: the person is an approved volunteer (as every test
 * volunteer is), passed to the real use case as its actor.
 */
export const approvedVolunteer = (personId: string): Actor => ({
  kind: "person",
  personId,
  roles: ["VOLUNTEER"],
  status: "APPROVED",
});

type As<F> = F extends (db: Db, actor: Actor, request: infer R) => infer O
  ? (db: Db, input: R & { personId: string }) => O
  : never;
const asVolunteer =
  <R, O>(f: (db: Db, actor: Actor, request: R) => O) =>
  (db: Db, input: R & { personId: string }): O =>
    f(db, approvedVolunteer(input.personId), input);

export const signUp: As<typeof moves.signUpForRotaSlot> = asVolunteer(moves.signUpForRotaSlot);
export const drop: As<typeof moves.dropRotaSlot> = asVolunteer(moves.dropRotaSlot);
export const offerCover: As<typeof moves.offerRotaCover> = asVolunteer(moves.offerRotaCover);
export const withdrawOffer: As<typeof moves.withdrawRotaCoverOffer> = asVolunteer(moves.withdrawRotaCoverOffer);
export const takeOffer: As<typeof moves.takeRotaCoverOffer> = asVolunteer(moves.takeRotaCoverOffer);

/** A new approved volunteer, "<name> Test", with a unique test email. */
export async function createApprovedVolunteer(db: Db, name: string): Promise<{ id: string; email: string }> {
  const email = `${name.toLowerCase()}-${randomUUID().slice(0, 8)}@test.example`;
  const { id } = await testPrisma(db).person.create({
    data: { displayName: `${name} Test`, email, roles: ["VOLUNTEER"], status: "APPROVED" },
    select: { id: true },
  });
  return { id, email };
}

/** A coordinator, for the coordinator's rota use cases (the person need not exist: can() reads the roles). */
export const COORDINATOR: Actor = {
  kind: "person",
  personId: "00000000-0000-4000-8000-00000000c00d",
  roles: ["COORDINATOR"],
  status: "APPROVED",
};

/** What a template change asks the app to do: open rota pages fetch again. */
export const TEMPLATES_CHANGED = [{ kind: "rotaChanged", change: { slotIds: [], change: "template" } }];

/** Auto-fill applied by the coordinator; a refusal fails the test. */
export async function apply(db: Db, input: Parameters<typeof applyAutoFill>[2]) {
  const r = await applyAutoFill(db, COORDINATOR, input);
  if (!r.ok) throw new Error(r.message);
  return r;
}
