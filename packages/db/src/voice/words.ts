import { can, monthOf, paraphraseSchema, workerWordSchema, type Actor } from "@offshift/core";
import { client, type Db } from "../client.js";
import { firstIssue, refuse, type VoiceResult } from "./result.js";
import { audit } from "../audit.js";

/**
 * "One thing that would make your job better?" The worker's word is stored with its
 * month and nothing else: the actor is checked (a guest or an account may leave one)
 * and then forgotten, so the row cannot lead back to a nickname, a session or a time.
 */
export async function leaveVoiceWord(
  handle: Db,
  input: { actor: Actor; text: unknown; now: Date; timeZone: string },
): Promise<VoiceResult> {
  const db = client(handle);
  if (!can(input.actor, "voice.leaveWord"))
    return refuse("forbidden", "Join a session first; then you can leave a word at the end.");
  const parsed = workerWordSchema.safeParse(input.text);
  if (!parsed.success) return refuse("invalid", firstIssue(parsed.error));
  await db.voiceWord.create({ data: { month: monthOf(input.now, input.timeZone), text: parsed.data } });
  return { ok: true, effects: [] };
}

export interface VoiceWordRow {
  id: string;
  month: string;
  text: string;
}

/** Words not yet set aside, for coordinators only; newest month first. */
export async function listVoiceWords(
  handle: Db,
  input: { actor: Actor; archived?: boolean },
): Promise<VoiceResult<{ words: VoiceWordRow[] }>> {
  const db = client(handle);
  if (!can(input.actor, "voice.manage")) return refuse("forbidden", "Only coordinators can read workers' words.");
  const words = await db.voiceWord.findMany({
    where: { archived: input.archived ?? false },
    orderBy: [{ month: "desc" }, { id: "asc" }],
    select: { id: true, month: true, text: true },
    take: 200,
  });
  return { ok: true, words, effects: [] };
}

export async function archiveVoiceWord(handle: Db, input: { actor: Actor; wordId: string }): Promise<VoiceResult> {
  const db = client(handle);
  if (!can(input.actor, "voice.manage")) return refuse("forbidden", "Only coordinators can set words aside.");
  const { count } = await db.voiceWord.updateMany({ where: { id: input.wordId }, data: { archived: true } });
  if (count === 0) return refuse("not_found", "That word could not be found.");
  return { ok: true, effects: [] };
}

export interface VoiceStatementRow {
  id: string;
  text: string;
  month: string;
  publishedAt: Date;
  withdrawnAt: Date | null;
}

/**
 * Publish one paraphrase of a worker's word (never the word itself: the coordinator writes
 * it). The word is set aside in the same transaction, so it is published at most once.
 */
export async function publishVoiceStatement(
  handle: Db,
  input: { actor: Actor; wordId: string; text: unknown; now: Date },
): Promise<VoiceResult<{ statement: VoiceStatementRow }>> {
  const db = client(handle);
  const { actor } = input;
  if (!can(actor, "voice.manage") || actor.kind !== "person")
    return refuse("forbidden", "Only coordinators can publish statements.");
  const parsed = paraphraseSchema.safeParse(input.text);
  if (!parsed.success) return refuse("invalid", firstIssue(parsed.error));
  return db.$transaction(async (tx) => {
    // The loser of two coordinators publishing the same word at once updates no row.
    const taken = await tx.voiceWord.updateManyAndReturn({
      where: { id: input.wordId, archived: false },
      data: { archived: true },
      select: { month: true },
    });
    if (!taken[0]) return refuse("conflict", "That word has already been published or set aside.");
    const statement = await tx.voiceStatement.create({
      data: { text: parsed.data, month: taken[0].month, publishedAt: input.now, publishedById: actor.personId },
      select: { id: true, text: true, month: true, publishedAt: true, withdrawnAt: true },
    });
    await audit(tx, {
      at: input.now,
      action: "voice.statement.publish",
      by: actor.personId,
      details: { statementId: statement.id },
    });
    return { ok: true, statement, effects: [] } as const;
  });
}

export async function withdrawVoiceStatement(
  handle: Db,
  input: { actor: Actor; statementId: string; now: Date },
): Promise<VoiceResult> {
  const db = client(handle);
  const { actor } = input;
  if (!can(actor, "voice.manage") || actor.kind !== "person")
    return refuse("forbidden", "Only coordinators can withdraw statements.");
  return db.$transaction(async (tx) => {
    const { count } = await tx.voiceStatement.updateMany({
      where: { id: input.statementId, withdrawnAt: null },
      data: { withdrawnAt: input.now },
    });
    if (count === 0) return refuse("not_found", "That statement is not published.");
    await audit(tx, {
      at: input.now,
      action: "voice.statement.withdraw",
      by: actor.personId,
      details: { statementId: input.statementId },
    });
    return { ok: true, effects: [] } as const;
  });
}

/** Published statements, newest first; coordinators also see withdrawn ones. */
export async function listVoiceStatements(
  handle: Db,
  input: { includeWithdrawn?: boolean; take?: number } = {},
): Promise<VoiceStatementRow[]> {
  const db = client(handle);
  return db.voiceStatement.findMany({
    where: input.includeWithdrawn ? {} : { withdrawnAt: null },
    orderBy: { publishedAt: "desc" },
    take: input.take ?? 100,
    select: { id: true, text: true, month: true, publishedAt: true, withdrawnAt: true },
  });
}
