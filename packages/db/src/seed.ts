import { formatFloating, wallTimeAt } from "@offshift/core";
import type { Db } from "./client.js";
import { materializeOccurrences } from "./dropins/materialize.js";
import { materializeRotaSlots } from "./rota/materialize.js";

export const DEMO_SEEDED_KEY = "demo_seeded_at";

/**
 * Fictional demo data: themed drop-ins tonight and through the week,
 * volunteers with real-looking shift patterns, and a rota with some gaps.
 * Runs once per database; returns false when data was already seeded.
 */
export async function seedDemoData(db: Db, options: { now: Date; timeZone: string }): Promise<boolean> {
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

  const patterns = [
    {
      personId: people.maria.id,
      label: "Nights Fri-Sat",
      recurrence: "RRULE:FREQ=WEEKLY;BYDAY=FR,SA",
      start: startAt(22, 0),
      minutes: 9 * 60,
    },
    {
      personId: people.dev.id,
      label: "Lates Mon-Wed",
      recurrence: "RRULE:FREQ=WEEKLY;BYDAY=MO,TU,WE",
      start: startAt(14, 0),
      minutes: 8 * 60,
    },
    {
      personId: people.kwame.id,
      label: "Long days, week A",
      recurrence: "RRULE:FREQ=WEEKLY;INTERVAL=2;WKST=MO;BYDAY=MO,TU,FR",
      start: startAt(7, 0),
      minutes: 12 * 60,
    },
    {
      personId: people.kwame.id,
      label: "Long days, week B",
      recurrence: "RRULE:FREQ=WEEKLY;INTERVAL=2;WKST=MO;BYDAY=WE,TH,SA,SU",
      start: startAt(7, 0),
      minutes: 12 * 60,
    },
    {
      personId: people.agnieszka.id,
      label: "Split shift (morning)",
      recurrence: "RRULE:FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
      start: startAt(7, 0),
      minutes: 5 * 60,
    },
    {
      personId: people.agnieszka.id,
      label: "Split shift (evening)",
      recurrence: "RRULE:FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
      start: startAt(16, 0),
      minutes: 5 * 60,
    },
    {
      personId: people.sam.id,
      label: "Earlies",
      recurrence: "RRULE:FREQ=WEEKLY;BYDAY=TU,WE,TH,FR,SA",
      start: startAt(7, 0),
      minutes: 7 * 60,
    },
  ];
  await db.workPattern.createMany({
    data: patterns.map((p) => ({
      personId: p.personId,
      label: p.label,
      recurrence: p.recurrence,
      startsOnLocal: p.start,
      durationMinutes: p.minutes,
    })),
  });

  const templates = [
    {
      name: "Talk line late",
      rrule: "FREQ=DAILY",
      startsOnLocal: startAt(21, 30),
      durationMinutes: 180,
      minVolunteers: 2,
      maxVolunteers: 3,
    },
    {
      name: "Talk line early",
      rrule: "FREQ=DAILY",
      startsOnLocal: startAt(6, 30),
      durationMinutes: 90,
      minVolunteers: 1,
      maxVolunteers: 2,
    },
    {
      name: "Split-shift gap",
      rrule: "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
      startsOnLocal: startAt(13, 0),
      durationMinutes: 120,
      minVolunteers: 1,
      maxVolunteers: 2,
    },
  ];
  const volunteers = [people.maria, people.dev, people.kwame, people.agnieszka, people.sam];
  let turn = 0;
  for (const t of templates) {
    const template = await db.rotaTemplate.create({ data: { ...t, timeZone } });
    await materializeRotaSlots(db, template.id, new Date(now.getTime() - 86_400_000), 14);
    const slots = await db.rotaSlot.findMany({ where: { templateId: template.id }, orderBy: { startsAt: "asc" } });
    // Fill roughly two slots in three with one volunteer each, leaving real gaps.
    const assignments = slots
      .filter((_, i) => i % 3 !== 2)
      .map((slot) => ({ slotId: slot.id, personId: volunteers[turn++ % volunteers.length]!.id }));
    await db.rotaAssignment.createMany({ data: assignments });
  }

  await db.appMeta.create({ data: { key: DEMO_SEEDED_KEY, value: now.toISOString() } });
  return true;
}
