/**
 * A night label inside a sentence: "the next drop-in is tonight at 22:00",
 * "… is tomorrow night at 00:30", but "… is Monday at 07:15" (day names keep
 * their capital).
 */
export const dayInSentence = (day: string): string =>
  day === "Tonight" || day === "Tomorrow night" ? day.toLowerCase() : day;
