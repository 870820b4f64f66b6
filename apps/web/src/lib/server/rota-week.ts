import { coverageLabel, coverageOf, localDate, rotaWeek, rotaWeekParam } from "@offshift/core";
import { listRotaWeek } from "@offshift/db";
import type { RotaWeekView } from "$lib/components/RotaWeek.svelte";
import { now } from "./clock.js";
import { getDb } from "./db.js";
import { env } from "./env.js";

/**
 * One week of the rota (Monday to Sunday on the organisation's clock) for
 * RotaWeek.svelte: `?week=<any date in it>`, default this week. Coordinators
 * see volunteers' first names; pass showNames false for anyone else.
 */
export async function loadRotaWeek(url: URL, options: { showNames: boolean }): Promise<RotaWeekView> {
  const timeZone = env().ORG_TIMEZONE;
  const at = now();
  const asked = rotaWeekParam.safeParse(url.searchParams.get("week") ?? undefined);
  const week = rotaWeek(asked.success ? asked.data : null, at, timeZone);
  const thisWeek = rotaWeek(null, at, timeZone);
  const today = localDate(at, timeZone);
  const slots = await listRotaWeek(getDb(), week);
  const clock = new Intl.DateTimeFormat("en-GB", { timeZone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  const dayLabel = new Intl.DateTimeFormat("en-GB", {
    timeZone: "UTC",
    weekday: "long",
    day: "numeric",
    month: "long",
  });
  const noon = (date: string) => new Date(`${date}T12:00:00Z`);
  const short = new Intl.DateTimeFormat("en-GB", { timeZone: "UTC", day: "numeric", month: "long" });
  const year = new Intl.DateTimeFormat("en-GB", { timeZone: "UTC", year: "numeric" });
  return {
    monday: week.monday,
    previous: week.previous,
    next: week.next,
    label: `${short.format(noon(week.monday))} to ${short.format(noon(week.days[6]!.date))} ${year.format(noon(week.days[6]!.date))}`,
    isCurrent: week.monday === thisWeek.monday,
    days: week.days.map((d) => ({
      date: d.date,
      label: dayLabel.format(noon(d.date)),
      isToday: d.date === today,
      slots: slots
        .filter((s) => localDate(s.start, timeZone) === d.date)
        .map((s) => {
          const filled = s.volunteers.length;
          const label = coverageLabel(filled, s.minVolunteers, s.maxVolunteers);
          return {
            id: s.id,
            name: s.name,
            start: s.start.toISOString(),
            end: s.end.toISOString(),
            time: `${clock.format(s.start)} to ${clock.format(s.end)}`,
            coverage: coverageOf(filled, s.minVolunteers, s.maxVolunteers),
            count: label.count,
            state: label.state,
            retired: s.retired,
            volunteers: options.showNames ? s.volunteers.map((v) => v.firstName) : [],
          };
        }),
    })),
  };
}
