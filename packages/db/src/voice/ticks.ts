import {
  TICK_WINDOW_HOURS,
  can,
  checkThemeTicks,
  monthOf,
  regionSchema,
  themeTicksSchema,
  type Actor,
} from "@offshift/core";
import { client, type Client, type Db } from "../client.js";
import { listVoiceThemes } from "./themes.js";
import { firstIssue, refuse, type VoiceResult } from "./result.js";

export type VoiceSessionRef = { kind: "dropin"; occurrenceId: string } | { kind: "call"; callId: string };

export interface SessionToTick {
  ref: VoiceSessionRef;
  /** What the facilitator sees: the drop-in's title, or "1:1 call". */
  title: string;
  /** Until when they can be ticked or changed. */
  closesAt: Date;
  /** Themes already ticked (they can change them until the window closes). */
  ticked: string[];
  region: string | null;
}

const WINDOW_MS = TICK_WINDOW_HOURS * 3_600_000;

/**
 * The session as far as ticking goes: who ran it, whether it has ended, until when its
 * themes may be ticked, and the instant whose month it counts in. A drop-in has ended when
 * its room was ended or its scheduled end has passed; its window runs from the scheduled end
 * (an early end only opens it sooner), so the rule needs no end time beyond the ones we plan.
 */
async function loadSession(
  db: Client,
  ref: VoiceSessionRef,
  now: Date,
): Promise<{ runBy: string[]; ended: boolean; closesAt: Date; countsAt: Date; title: string } | null> {
  if (ref.kind === "dropin") {
    const o = await db.dropInOccurrence.findUnique({
      where: { id: ref.occurrenceId },
      select: {
        title: true,
        status: true,
        startsAt: true,
        endsAt: true,
        facilitatorId: true,
        openedById: true,
        openedAt: true,
        liveRoom: { select: { state: true } },
      },
    });
    // A session that never opened never ran: there is nothing to tell.
    if (!o || o.status !== "SCHEDULED" || !o.openedAt) return null;
    const roomEnded = (o.liveRoom?.state as { phase?: string } | null)?.phase === "ended";
    return {
      runBy: [o.facilitatorId, o.openedById].filter((x): x is string => !!x),
      ended: roomEnded || o.endsAt <= now,
      closesAt: new Date(o.endsAt.getTime() + WINDOW_MS),
      countsAt: o.startsAt,
      title: o.title,
    };
  }
  const c = await db.talkCall.findUnique({
    where: { id: ref.callId },
    select: { volunteerId: true, status: true, startedAt: true, endedAt: true },
  });
  if (!c) return null;
  const endedAt = c.status === "ENDED" ? (c.endedAt ?? c.startedAt) : null;
  return {
    runBy: [c.volunteerId],
    ended: endedAt !== null,
    closesAt: new Date((endedAt ?? now).getTime() + WINDOW_MS),
    countsAt: c.startedAt,
    title: "1:1 call",
  };
}

/**
 * Tick the themes that came up in a session that has ended: only its facilitator
 * (or the call's volunteer), within TICK_WINDOW_HOURS of its end, only themes on the
 * list. Ticking again replaces the earlier ticks; one tick per theme per session.
 */
export async function recordSessionThemes(
  handle: Db,
  input: {
    actor: Actor;
    session: VoiceSessionRef;
    themeIds: unknown;
    region: unknown;
    now: Date;
    timeZone: string;
  },
): Promise<VoiceResult<{ ticked: number }>> {
  const db = client(handle);
  const { actor, now } = input;
  const session = await loadSession(db, input.session, now);
  if (!session) return refuse("not_found", "That session could not be found, or it never ran.");
  if (!can(actor, "voice.tickThemes", { facilitatorIds: session.runBy }) || actor.kind !== "person")
    return refuse("forbidden", "Only the person who ran this session can tick its themes.");
  if (!session.ended) return refuse("not_ended", "You can tick themes once the session has ended.");
  if (now > session.closesAt)
    return refuse("too_late", `Themes can be ticked up to ${TICK_WINDOW_HOURS} hours after a session ends.`);
  const ticks = themeTicksSchema.safeParse(input.themeIds);
  if (!ticks.success) return refuse("invalid", firstIssue(ticks.error));
  const region = regionSchema.safeParse(input.region ?? "");
  if (!region.success) return refuse("invalid", firstIssue(region.error));
  const known = checkThemeTicks(ticks.data, await listVoiceThemes(db));
  if (!known.ok) return refuse("invalid", known.message);

  const month = monthOf(session.countsAt, input.timeZone);
  const key =
    input.session.kind === "dropin" ? { occurrenceId: input.session.occurrenceId } : { callId: input.session.callId };
  await db.$transaction(async (tx) => {
    // One report per session (unique occurrenceId / callId): a second submission, or two at
    // once, lands on the same row and replaces its ticks.
    const report = await tx.voiceSessionReport.upsert({
      where: key,
      create: { ...key, month, region: region.data, facilitatorId: actor.personId },
      update: { region: region.data },
      select: { id: true },
    });
    await tx.voiceThemeTick.deleteMany({ where: { reportId: report.id } });
    if (ticks.data.length > 0)
      await tx.voiceThemeTick.createMany({
        data: ticks.data.map((themeId) => ({ reportId: report.id, themeId })),
        skipDuplicates: true,
      });
  });
  return { ok: true, ticked: ticks.data.length, effects: [] };
}

/** Ended sessions the person ran whose themes they can still tick, newest first. */
export async function sessionsToTick(handle: Db, input: { actor: Actor; now: Date }): Promise<SessionToTick[]> {
  const db = client(handle);
  const { actor, now } = input;
  if (actor.kind !== "person") return [];
  const since = new Date(now.getTime() - WINDOW_MS);
  const [occurrences, calls] = await Promise.all([
    db.dropInOccurrence.findMany({
      where: {
        status: "SCHEDULED",
        openedAt: { not: null },
        OR: [{ facilitatorId: actor.personId }, { openedById: actor.personId }],
        startsAt: { lte: now },
        endsAt: { gte: since },
      },
      select: { id: true },
    }),
    db.talkCall.findMany({
      where: { volunteerId: actor.personId, status: "ENDED", endedAt: { gte: since, lte: now } },
      select: { id: true },
    }),
  ]);
  const refs: VoiceSessionRef[] = [
    ...occurrences.map((o) => ({ kind: "dropin" as const, occurrenceId: o.id })),
    ...calls.map((c) => ({ kind: "call" as const, callId: c.id })),
  ];
  const out: SessionToTick[] = [];
  for (const ref of refs) {
    const s = await loadSession(db, ref, now);
    if (!s?.ended || s.closesAt < now || !can(actor, "voice.tickThemes", { facilitatorIds: s.runBy })) continue;
    const report = await db.voiceSessionReport.findUnique({
      where: ref.kind === "dropin" ? { occurrenceId: ref.occurrenceId } : { callId: ref.callId },
      select: { region: true, ticks: { select: { themeId: true } } },
    });
    out.push({
      ref,
      title: s.title,
      closesAt: s.closesAt,
      ticked: report?.ticks.map((t) => t.themeId) ?? [],
      region: report?.region ?? null,
    });
  }
  return out.sort((a, b) => b.closesAt.getTime() - a.closesAt.getTime());
}
