import { monthLabel } from "./calendar.js";

/** XML text and attribute escaping; control characters XML 1.0 forbids are dropped. */
export const xmlEscape = (s: string) =>
  s
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g, "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;");

/**
 * The Atom feed (RFC 4287) of published statements: coordinators' paraphrases only, newest
 * first. Withdrawn ones are simply absent. Entry times are when the coordinator published.
 */
export function statementsAtom(input: {
  origin: string;
  statements: readonly { id: string; text: string; month: string; publishedAt: Date }[];
}): string {
  const base = input.origin.replace(/\/$/, "");
  const updated = input.statements.reduce((m, s) => (s.publishedAt > m ? s.publishedAt : m), new Date(0));
  const entries = input.statements.map(
    (s) => `  <entry>
    <id>urn:uuid:${xmlEscape(s.id)}</id>
    <title>${xmlEscape(s.text.length > 80 ? `${s.text.slice(0, 79)}…` : s.text)}</title>
    <updated>${s.publishedAt.toISOString()}</updated>
    <link rel="alternate" type="text/html" href="${xmlEscape(`${base}/voice`)}"/>
    <content type="text">${xmlEscape(`${s.text} (${monthLabel(s.month)})`)}</content>
  </entry>`,
  );
  return `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <id>${xmlEscape(`${base}/voice/feed.atom`)}</id>
  <title>Offshift: what homecare workers are telling us</title>
  <subtitle>Statements our coordinators publish, in their own words, from what homecare workers tell us anonymously.</subtitle>
  <updated>${updated.toISOString()}</updated>
  <author><name>Offshift</name></author>
  <link rel="self" type="application/atom+xml" href="${xmlEscape(`${base}/voice/feed.atom`)}"/>
  <link rel="alternate" type="text/html" href="${xmlEscape(`${base}/voice`)}"/>
${entries.join("\n")}
</feed>
`;
}
