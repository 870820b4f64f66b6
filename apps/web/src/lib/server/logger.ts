import pino from "pino";
import { building } from "$app/environment";
import { env } from "./env.js";

/** Structured logs; names, emails, nicknames and chat text are never logged. */
export const logger = pino({
  level: building ? "silent" : env().LOG_LEVEL,
  base: { service: "web" },
  redact: {
    paths: [
      "name",
      "displayName",
      "nickname",
      "email",
      "text",
      "*.name",
      "*.displayName",
      "*.nickname",
      "*.email",
      "*.text",
    ],
    remove: true,
  },
  timestamp: pino.stdTimeFunctions.isoTime,
});
