/** As many cards as Tonight shows (bench/web passes the count it found), with fields like Tonight's. */
const cards = Number(process.env.BARE_CARDS ?? 12);

export function load() {
  const start = Date.UTC(2026, 0, 5, 22, 0);
  return {
    sessions: Array.from({ length: cards }, (_, i) => ({
      id: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
      title: `Night shift drop-in ${i + 1}`,
      theme: "Lone working at night",
      description:
        "A quiet hour to talk about the visits nobody else sees: the long drives, the last call of the night, and getting home safe.",
      facilitator: "Sam",
      startsAt: new Date(start + i * 86_400_000).toISOString(),
      when: { day: i === 0 ? "Tonight" : `Day ${i + 1}`, time: "22:00" },
      planning: i % 5,
      left: 12 - (i % 5),
    })),
  };
}
