import { fail } from "@sveltejs/kit";
import { autoFillApplyInput, rotaWeek, rotaWeekParam } from "@offshift/core";
import { applyAutoFill, listRotaGaps, previewAutoFill, type GapRow, type ProposalRow } from "@offshift/db";
import { now } from "$lib/server/clock.js";
import { getDb } from "$lib/server/db.js";
import { env } from "$lib/server/env.js";
import { dispatchEffects } from "$lib/server/effects.js";
import { failWith } from "$lib/server/refusals.js";
import { requireCan, requireSignedIn } from "$lib/server/guard.js";
import type { Actions, PageServerLoad } from "./$types";

/** The week asked for (`?week=`), from now on: slots that have started are not filled. */
function window(url: URL) {
  const timeZone = env().ORG_TIMEZONE;
  const at = now();
  const asked = rotaWeekParam.safeParse(url.searchParams.get("week") ?? undefined);
  const week = rotaWeek(asked.success ? asked.data : null, at, timeZone);
  return { week, from: week.from > at ? week.from : at, to: week.to, timeZone };
}

function formatter(timeZone: string) {
  const day = new Intl.DateTimeFormat("en-GB", { timeZone, weekday: "short", day: "numeric", month: "short" });
  const clock = new Intl.DateTimeFormat("en-GB", { timeZone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  return (s: { start: Date; end: Date }) => ({
    start: s.start.toISOString(),
    when: `${day.format(s.start)}, ${clock.format(s.start)} to ${clock.format(s.end)}`,
  });
}

const gapView = (g: GapRow, when: ReturnType<typeof formatter>) => ({
  slotId: g.slotId,
  name: g.name,
  ...when(g),
  filled: g.filled,
  needed: g.needed,
  summary: g.summary,
});

const proposalView = (p: ProposalRow, when: ReturnType<typeof formatter>) => ({
  key: `${p.slotId}:${p.personId}`,
  name: p.name,
  ...when(p),
  firstName: p.firstName,
});

export const load: PageServerLoad = async ({ locals, url }) => {
  requireCan(locals, "rota.manage");
  const w = window(url);
  const when = formatter(w.timeZone);
  const gaps = await listRotaGaps(getDb(), w);
  return {
    week: {
      monday: w.week.monday,
      /** "23 November", as every other page writes a date (the ISO date stays in links). */
      mondayLabel: new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "long", timeZone: "UTC" }).format(
        new Date(`${w.week.monday}T12:00:00Z`),
      ),
      previous: w.week.previous,
      next: w.week.next,
    },
    gaps: gaps.map((g) => gapView(g, when)),
  };
};

export const actions: Actions = {
  preview: async ({ locals, url }) => {
    requireCan(locals, "rota.manage");
    const w = window(url);
    const when = formatter(w.timeZone);
    const preview = await previewAutoFill(getDb(), w);
    return {
      preview: {
        proposals: preview.proposals.map((p) => proposalView(p, when)),
        gaps: preview.gaps.map((g) => gapView(g, when)),
      },
    };
  },
  apply: async ({ request, locals }) => {
    requireSignedIn(locals);
    const data = await request.formData();
    const parsed = autoFillApplyInput.safeParse({ proposals: data.getAll("proposal").map(String) });
    if (!parsed.success) return fail(400, { error: parsed.error.issues[0]!.message });
    const result = await applyAutoFill(getDb(), locals.actor, {
      proposals: parsed.data.proposals,
      timeZone: env().ORG_TIMEZONE,
      now: now(),
    });
    if (!result.ok) return failWith(result);
    await dispatchEffects(result.effects, request);
    const skipped = result.justFilled + result.noLongerFits;
    return {
      applied: result.applied,
      skipped,
      message:
        `Applied ${result.applied}, skipped ${skipped}` +
        (skipped ? ` (${result.justFilled} just filled, ${result.noLongerFits} no longer fit).` : "."),
    };
  },
};
