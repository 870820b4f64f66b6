import { describe, expect, it } from "vitest";
import { instantFromWallTime } from "../time/zoned.js";
import { summariseTalk, type TalkRequestFact } from "./aggregates.js";

const LONDON = "Europe/London";
const at = (day: number, hour: number, minute = 0) =>
  instantFromWallTime({ year: 2026, month: 7, day, hour, minute, second: 0 }, LONDON);

describe("coordinator aggregates", () => {
  it("counts, wait times and unanswered by hour of night in the organisation's zone", () => {
    const facts: TalkRequestFact[] = [
      { createdAt: at(1, 23, 0), matchedAt: at(1, 23, 2), status: "MATCHED" },
      { createdAt: at(1, 23, 10), matchedAt: at(1, 23, 11), status: "MATCHED" },
      { createdAt: at(2, 2, 30), matchedAt: at(2, 2, 40), status: "MATCHED" },
      { createdAt: at(2, 2, 5), matchedAt: null, status: "CANCELLED" },
      { createdAt: at(2, 2, 50), matchedAt: null, status: "CANCELLED" },
      { createdAt: at(2, 13, 0), matchedAt: null, status: "CANCELLED" },
      { createdAt: at(2, 3, 0), matchedAt: null, status: "WAITING" },
      { createdAt: at(2, 2, 59), matchedAt: null, status: "LEFT" },
    ];
    const s = summariseTalk(facts, LONDON);
    expect(s).toMatchObject({
      requests: 8,
      answered: 3,
      // A worker whose page was gone counts as not answered, and is also shown apart.
      unanswered: 4,
      left: 1,
      waiting: 1,
      medianWaitMinutes: 2,
      longestWaitMinutes: 10,
    });
    // 02:xx London in July is 01:xx UTC: the hour is the organisation's.
    expect(s.unansweredByHour.find((h) => h.hour === 2)).toMatchObject({ count: 3, label: "02:00–03:00" });
    expect(s.unansweredByHour[0]!.hour).toBe(18);
    expect(s.unansweredByHour.at(-1)).toMatchObject({ hour: 13, count: 1 });
  });

  it("nothing to show is nulls and zeros, not errors", () => {
    expect(summariseTalk([], LONDON)).toMatchObject({ requests: 0, medianWaitMinutes: null, p90WaitMinutes: null });
  });
});
