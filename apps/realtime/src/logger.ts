import pino, { type Logger } from "pino";

/**
 * Structured logs. Names, emails, nicknames and chat text never belong in a
 * log line; these paths are removed even if a caller passes them by mistake.
 */
export const REDACTED_PATHS = [
  "name",
  "displayName",
  "nickname",
  "email",
  "text",
  "message.text",
  "*.name",
  "*.displayName",
  "*.nickname",
  "*.email",
  "*.text",
  "req.headers.cookie",
  "req.headers.authorization",
];

export function createLogger(options: { level: string; nodeId: string }, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level: options.level,
      base: { service: "realtime", nodeId: options.nodeId },
      redact: { paths: REDACTED_PATHS, remove: true },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
