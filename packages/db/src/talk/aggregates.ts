import { summariseTalk, type TalkAggregates } from "@offshift/core";
import { client, type Db } from "../client.js";

/** The 1:1 line in anonymous numbers for a period (requests made in [from, to)), in the organisation's zone. */
export async function talkAggregates(
  handle: Db,
  input: { from: Date; to: Date; timeZone: string },
): Promise<TalkAggregates> {
  const db = client(handle);
  const facts = await db.talkRequest.findMany({
    where: { createdAt: { gte: input.from, lt: input.to } },
    select: { createdAt: true, matchedAt: true, status: true },
  });
  return summariseTalk(facts, input.timeZone);
}
