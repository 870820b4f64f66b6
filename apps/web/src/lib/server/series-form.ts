/** Turns the flat "new series" form into the nested shape `seriesInput` parses. */
export function seriesFormToInput(data: FormData, facilitatorId: string) {
  const text = (k: string) => {
    const v = data.get(k);
    return typeof v === "string" ? v.slice(0, 4000) : undefined;
  };
  const pattern = text("pattern");
  const endsKind = text("endsKind");
  return {
    title: text("title"),
    theme: text("theme"),
    description: text("description"),
    language: text("language"),
    capacity: text("capacity"),
    roomStyle: text("roomStyle"),
    durationMinutes: text("durationMinutes"),
    facilitatorId,
    backupFacilitatorId: text("backupFacilitatorId") || undefined,
    recurrence: {
      pattern,
      ...(pattern === "monthly"
        ? { nth: text("nth"), day: text("monthDay") }
        : { days: data.getAll("days").map(String), everyWeeks: text("everyWeeks") }),
      startsOn: text("startsOn"),
      time: text("time"),
      ends:
        endsKind === "until"
          ? { kind: "until", until: text("until") }
          : endsKind === "count"
            ? { kind: "count", count: text("count") }
            : { kind: "never" },
    },
  };
}

/** Field errors from zod paths like ["recurrence", "days"] become "days". */
export function seriesFieldErrors(issues: { path: PropertyKey[]; message: string }[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const i of issues) {
    const key = String(i.path.at(-1) === "kind" ? "endsKind" : (i.path.at(-1) ?? "form"));
    out[key] ??= i.message;
  }
  return out;
}
