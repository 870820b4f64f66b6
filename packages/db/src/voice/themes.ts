import { can, checkThemeLabel, themeKey, themeLabelSchema, type Actor } from "@offshift/core";
import { client, type Db } from "../client.js";
import { firstIssue, refuse, type VoiceResult } from "./result.js";

export interface VoiceThemeRow {
  id: string;
  label: string;
  active: boolean;
}

/** The theme list in the coordinators' order (retired ones included, flagged). */
export async function listVoiceThemes(handle: Db): Promise<VoiceThemeRow[]> {
  const db = client(handle);
  return db.voiceTheme.findMany({
    orderBy: [{ position: "asc" }, { createdAt: "asc" }],
    select: { id: true, label: true, active: true },
  });
}

const forbidden = () => refuse("forbidden", "Only coordinators can change the theme list.");

export async function addVoiceTheme(
  handle: Db,
  input: { actor: Actor; label: unknown },
): Promise<VoiceResult<{ theme: VoiceThemeRow }>> {
  const db = client(handle);
  if (!can(input.actor, "voice.manage")) return forbidden();
  const parsed = themeLabelSchema.safeParse(input.label);
  if (!parsed.success) return refuse("invalid", firstIssue(parsed.error));
  const label = parsed.data;
  const existing = await listVoiceThemes(db);
  const clash = checkThemeLabel(label, existing);
  if (!clash.ok) return refuse("conflict", clash.message);
  const position = existing.length + 1;
  const actorPersonId = input.actor.kind === "person" ? input.actor.personId : null;
  return db.$transaction(async (tx) => {
    // Two coordinators adding the same name at once: the unique key lets one in.
    const rows = await tx.$queryRaw<VoiceThemeRow[]>`
      INSERT INTO "VoiceTheme" ("id", "label", "key", "position")
      VALUES (gen_random_uuid(), ${label}, ${themeKey(label)}, ${position})
      ON CONFLICT ("key") DO NOTHING
      RETURNING "id", "label", "active"`;
    if (!rows[0]) return refuse("conflict", `"${label}" is already on the list.`);
    await tx.auditEvent.create({
      data: { action: "voice.theme.add", actorPersonId, details: { themeId: rows[0].id, label } },
    });
    return { ok: true, theme: rows[0], effects: [] } as const;
  });
}

/** Retire (no more ticks; its counts stay and are still published) or bring back. */
export async function setVoiceThemeActive(
  handle: Db,
  input: { actor: Actor; themeId: string; active: boolean },
): Promise<VoiceResult> {
  const db = client(handle);
  if (!can(input.actor, "voice.manage")) return forbidden();
  const actorPersonId = input.actor.kind === "person" ? input.actor.personId : null;
  return db.$transaction(async (tx) => {
    const { count } = await tx.voiceTheme.updateMany({
      where: { id: input.themeId },
      data: { active: input.active },
    });
    if (count === 0) return refuse("not_found", "That theme is not on the list.");
    await tx.auditEvent.create({
      data: {
        action: input.active ? "voice.theme.restore" : "voice.theme.retire",
        actorPersonId,
        details: { themeId: input.themeId },
      },
    });
    return { ok: true, effects: [] } as const;
  });
}
