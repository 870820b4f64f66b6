import {
  SHIFT_PRESETS,
  autoFill,
  buildWorkPattern,
  formatFloating,
  wallTimeAt,
  type Weekday,
  type WorkPatternBuilder,
} from "@offshift/core";
import type { Db } from "@offshift/db";
import { loadRotaBoard, materializeOccurrences, materializeRotaSlots } from "@offshift/db";
// Demo rows no use case makes on its own (people approved at once, a filled rota) are written directly.
import { seedingPrisma } from "@offshift/db/seeding";

export const DEMO_SEEDED_KEY = "demo_seeded_at";

/**
 * Fictional demo data: themed drop-ins tonight and through the week,
 * volunteers with real-looking shift patterns, and a rota with some gaps.
 * Runs once per database; returns false when data was already seeded.
 */
export async function seedDemoData(handle: Db, options: { now: Date; timeZone: string }): Promise<boolean> {
  const db = seedingPrisma(handle);
  if (await db.appMeta.findUnique({ where: { key: DEMO_SEEDED_KEY } })) return false;
  const { now, timeZone } = options;

  // Rules start from the Monday on or before a week ago, in local time.
  const local = wallTimeAt(new Date(now.getTime() - 7 * 86_400_000), timeZone);
  const base = new Date(Date.UTC(local.year, local.month - 1, local.day));
  base.setUTCDate(base.getUTCDate() - ((base.getUTCDay() + 6) % 7));
  const startAt = (hh: number, mm: number) =>
    formatFloating({
      year: base.getUTCFullYear(),
      month: base.getUTCMonth() + 1,
      day: base.getUTCDate(),
      hour: hh,
      minute: mm,
    });

  const people = await db.$transaction(async (tx) => {
    const make = (
      displayName: string,
      email: string,
      roles: ("VOLUNTEER" | "FACILITATOR" | "COORDINATOR")[],
      extra: { languages?: string[]; experience?: string[] } = {},
    ) =>
      tx.person.create({
        data: {
          displayName,
          email,
          roles,
          status: "APPROVED",
          languages: extra.languages ?? ["en"],
          experience: extra.experience ?? [],
        },
      });
    return {
      coordinator: await make("Priya Coordinator", "priya@offshift.example", ["COORDINATOR"]),
      maria: await make("Maria Santos", "maria@offshift.example", ["VOLUNTEER", "FACILITATOR"], {
        languages: ["en", "pt"],
        experience: ["nights", "overseas-recruited"],
      }),
      dev: await make("Dev Patel", "dev@offshift.example", ["VOLUNTEER", "FACILITATOR"], {
        experience: ["bereavement"],
      }),
      joanne: await make("Joanne Hughes", "joanne@offshift.example", ["FACILITATOR"], { experience: ["lone working"] }),
      kwame: await make("Kwame Mensah", "kwame@offshift.example", ["VOLUNTEER"], {
        experience: ["nights", "lone working"],
      }),
      agnieszka: await make("Agnieszka Nowak", "agnieszka@offshift.example", ["VOLUNTEER"], {
        languages: ["en", "pl"],
        experience: ["new to care"],
      }),
      sam: await make("Sam Reid", "sam@offshift.example", ["VOLUNTEER"], { experience: ["bereavement", "nights"] }),
    };
  });

  const series = [
    {
      title: "Lone working at night",
      theme: "Lone working at night",
      description: "For anyone driving between calls in the dark. Share what helps you feel safe, or just listen.",
      rrule: "FREQ=DAILY",
      startsOnLocal: startAt(22, 0),
      durationMinutes: 60,
      capacity: 12,
      roomStyle: "HAND_RAISE" as const,
      facilitatorId: people.joanne.id,
      backupFacilitatorId: people.maria.id,
    },
    {
      title: "After a death",
      theme: "After a death",
      description: "When someone you cared for has died. A gentle space to talk about them and about you.",
      rrule: "FREQ=WEEKLY;BYDAY=TU,TH,SU",
      startsOnLocal: startAt(21, 30),
      durationMinutes: 75,
      capacity: 8,
      roomStyle: "HAND_RAISE" as const,
      facilitatorId: people.dev.id,
      backupFacilitatorId: null,
    },
    {
      title: "Just offload",
      theme: "Just offload",
      description: "Finished a long one? Come and offload. No agenda, no judgement.",
      rrule: "FREQ=DAILY",
      startsOnLocal: startAt(0, 30),
      durationMinutes: 45,
      capacity: 10,
      roomStyle: "OPEN" as const,
      facilitatorId: people.maria.id,
      backupFacilitatorId: people.joanne.id,
    },
    {
      title: "New to care",
      theme: "New to care",
      description: "First months in homecare? Ask the questions you did not like to ask at induction.",
      rrule: "FREQ=WEEKLY;BYDAY=MO,WE,SA",
      startsOnLocal: startAt(20, 0),
      durationMinutes: 60,
      capacity: 12,
      roomStyle: "OPEN" as const,
      facilitatorId: people.maria.id,
      backupFacilitatorId: people.dev.id,
    },
    {
      title: "Early finish wind-down",
      theme: "Just offload",
      description: "Coming off nights? Ten quiet minutes before you try to sleep, then talk if you want to.",
      rrule: "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
      startsOnLocal: startAt(7, 15),
      durationMinutes: 40,
      capacity: 10,
      roomStyle: "OPEN" as const,
      facilitatorId: people.dev.id,
      backupFacilitatorId: null,
    },
  ];

  for (const s of series) {
    const created = await db.dropInSeries.create({ data: { ...s, timeZone } });
    await materializeOccurrences(db, created.id, new Date(now.getTime() - 86_400_000));
  }

  // Work patterns from core's builder (presets: early, late, night, split, long day).
  const monday = startAt(0, 0).slice(0, 10);
  const week = (days: Weekday[], shiftId: string, w = 1) => days.map((day) => ({ week: w, day, shiftId }));
  const patterns: { personId: string; everyWeeks: number; shifts: WorkPatternBuilder["shifts"] }[] = [
    { personId: people.maria.id, everyWeeks: 1, shifts: week(["FR", "SA"], "night") },
    { personId: people.dev.id, everyWeeks: 1, shifts: week(["MO", "TU", "WE"], "late") },
    {
      // A two-week rotation: long days Mon, Tue, Fri in week 1; Wed, Thu, Sat, Sun in week 2.
      personId: people.kwame.id,
      everyWeeks: 2,
      shifts: [...week(["MO", "TU", "FR"], "long-day", 1), ...week(["WE", "TH", "SA", "SU"], "long-day", 2)],
    },
    { personId: people.agnieszka.id, everyWeeks: 1, shifts: week(["MO", "TU", "WE", "TH", "FR"], "split") },
    { personId: people.sam.id, everyWeeks: 1, shifts: week(["TU", "WE", "TH", "FR", "SA"], "early") },
  ];
  const shifts = [...SHIFT_PRESETS];
  for (const p of patterns) {
    const pattern = buildWorkPattern(
      { cycleStartsOn: monday, everyWeeks: p.everyWeeks, shifts: p.shifts, changes: [] },
      shifts,
    );
    await db.volunteerRota.create({
      data: { personId: p.personId, shifts: shifts as unknown as object, pattern: pattern as unknown as object },
    });
  }

  const templates = [
    {
      name: "Talk line late",
      rrule: "FREQ=WEEKLY;INTERVAL=1;WKST=MO;BYDAY=MO,TU,WE,TH,FR,SA,SU",
      startsOnLocal: startAt(21, 30),
      durationMinutes: 180,
      minVolunteers: 2,
      maxVolunteers: 3,
    },
    {
      name: "Talk line early",
      rrule: "FREQ=WEEKLY;INTERVAL=1;WKST=MO;BYDAY=MO,TU,WE,TH,FR,SA,SU",
      startsOnLocal: startAt(6, 30),
      durationMinutes: 90,
      minVolunteers: 1,
      maxVolunteers: 2,
    },
    {
      name: "Split-shift gap",
      rrule: "FREQ=WEEKLY;INTERVAL=1;WKST=MO;BYDAY=MO,TU,WE,TH,FR",
      startsOnLocal: startAt(13, 0),
      durationMinutes: 120,
      minVolunteers: 1,
      maxVolunteers: 2,
    },
  ];
  for (const t of templates) {
    const template = await db.rotaTemplate.create({ data: { ...t, timeZone } });
    await materializeRotaSlots(db, template.id, new Date(now.getTime() - 86_400_000));
  }
  // Fill the next week with the engine's fair auto-fill, then leave every
  // third proposal out so the coordinator's gap list has real gaps.
  const from = new Date(now.getTime() - 86_400_000);
  const { board, slotIds } = await loadRotaBoard(db, { from, to: new Date(now.getTime() + 7 * 86_400_000), timeZone });
  const proposals = autoFill(board).proposals.filter((_, i) => i % 3 !== 2);
  await db.rotaAssignment.createMany({
    data: proposals
      .filter((p) => slotIds.has(p.slotId))
      .map((p) => ({ slotId: slotIds.get(p.slotId)!, personId: p.volunteerId, source: "AUTOFILL" as const })),
    skipDuplicates: true,
  });

  await db.appMeta.create({ data: { key: DEMO_SEEDED_KEY, value: now.toISOString() } });
  return true;
}
