import { z } from "zod";
import { trustedProxyVar } from "./client-address.js";

/**
 * Environment parsing shared by every process. Each app parses its environment
 * once at start-up with one of the schemas below and exits non-zero with a
 * message naming every bad variable.
 */

export interface EnvProblem {
  variable: string;
  message: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: EnvProblem[]) {
    super("Invalid configuration:\n" + problems.map((p) => `  ${p.variable}: ${p.message}`).join("\n"));
    this.name = "ConfigError";
  }
}

type Env = Record<string, string | undefined>;

/** Treat empty strings as unset, so `PORT= npm start` means "use the default". */
function withoutEmpty(env: Env): Env {
  const out: Env = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v.trim() !== "") out[k] = v;
  return out;
}

export function parseEnv<S extends z.ZodType>(schema: S, env: Env): z.output<S> {
  const cleaned = withoutEmpty(env);
  const result = schema.safeParse(cleaned);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const variable = String(issue.path[0] ?? "(environment)");
    const missing = issue.code === "invalid_type" && cleaned[variable] === undefined;
    return { variable, message: missing ? `${variable} is required` : issue.message };
  });
  throw new ConfigError(problems);
}

export const portVar = (name: string, fallback: number) =>
  z
    .string()
    .regex(/^\d{1,5}$/, `${name} must be a whole number between 0 and 65535`)
    .transform(Number)
    .refine((n) => n >= 0 && n <= 65535, `${name} must be a whole number between 0 and 65535`)
    .default(fallback);

export const databaseUrlVar = z.string().refine((value) => {
  try {
    const url = new URL(value);
    return (url.protocol === "postgres:" || url.protocol === "postgresql:") && url.hostname !== "";
  } catch {
    return false;
  }
}, "DATABASE_URL must be a connection URL like postgresql://user:password@host:5432/offshift");

const logLevelVar = z
  .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"], {
    error: "LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent",
  })
  .default("info");

const timeZoneVar = z
  .string()
  .refine((zone) => {
    try {
      new Intl.DateTimeFormat("en-GB", { timeZone: zone });
      return true;
    } catch {
      return false;
    }
  }, "ORG_TIMEZONE must be an IANA time zone such as Europe/London")
  .default("Europe/London");

const httpUrlVar = (name: string) =>
  z.string().refine((value) => {
    try {
      const url = new URL(value);
      return url.protocol === "http:" || url.protocol === "https:";
    } catch {
      return false;
    }
  }, `${name} must be an http(s) URL`);

const secretVar = (name: string) =>
  z.string().min(32, `${name} must be at least 32 characters (e.g. openssl rand -base64 32)`);

const smtpUrlVar = z
  .string()
  .regex(/^smtps?:\/\/.+/, "SMTP_URL must look like smtp://user:pass@host:587 or smtps://...");

const iceServer = z.object({
  urls: z.union([z.string().regex(/^(stun|turns?):/), z.array(z.string().regex(/^(stun|turns?):/)).min(1)]),
  username: z.string().optional(),
  credential: z.string().optional(),
});
const iceServersVar = z
  .string()
  .default("[]")
  .transform((value, ctx) => {
    try {
      const parsed = z.array(iceServer).max(10).safeParse(JSON.parse(value));
      if (parsed.success) return parsed.data;
    } catch {
      // reported below
    }
    ctx.addIssue({
      code: "custom",
      message:
        'ICE_SERVERS must be a JSON array like [{"urls":"stun:stun.example.org:3478"}] (stun:, turn: or turns: URLs)',
    });
    return z.NEVER;
  });

/**
 * The address to listen on. Loopback by default: a fresh install is reachable
 * from this machine only, until HOST (e.g. 0.0.0.0 behind a TLS proxy) says otherwise.
 */
const hostVar = z.string().default("127.0.0.1");

/** Voice's publication thresholds (issue 19): below 2 a figure could point to one session or one person. */
const voiceThresholdVar = (name: string, fallback: number, what: string) =>
  z
    .string()
    .regex(/^\d+$/, `${name} must be a whole number (${what})`)
    .transform(Number)
    .refine((n) => n >= 2 && n <= 1000, `${name} must be between 2 and 1000 (${what})`)
    .default(fallback);
const voiceVars = {
  /** k: the fewest sessions a published Voice figure may count. */
  VOICE_MIN_SESSIONS: voiceThresholdVar("VOICE_MIN_SESSIONS", 10, "the fewest sessions a published figure counts"),
  /** m: the fewest different facilitators those sessions must have been run by. */
  VOICE_MIN_FACILITATORS: voiceThresholdVar(
    "VOICE_MIN_FACILITATORS",
    3,
    "the fewest different facilitators behind a published figure",
  ),
};

const nodeEnvVar = z.enum(["development", "production", "test"]).default("development");

/** LiveKit (production audio): all three or none. Unset: the embedded mesh, capped at 6 people a room. */
const liveKitVars = {
  /** Where browsers (and realtime's RoomService calls) reach LiveKit: ws(s)://… */
  LIVEKIT_URL: z
    .string()
    .refine((value) => {
      try {
        const url = new URL(value);
        return (url.protocol === "ws:" || url.protocol === "wss:") && url.hostname !== "";
      } catch {
        return false;
      }
    }, "LIVEKIT_URL must be a ws:// or wss:// URL such as wss://livekit.example.org")
    .optional(),
  LIVEKIT_API_KEY: z.string().optional(),
  LIVEKIT_API_SECRET: z.string().optional(),
};
const LIVEKIT_VARS = ["LIVEKIT_URL", "LIVEKIT_API_KEY", "LIVEKIT_API_SECRET"] as const;

/** Names each LiveKit variable that is missing when another one is set. */
function liveKitAllOrNone(env: Partial<Record<(typeof LIVEKIT_VARS)[number], string>>, ctx: z.RefinementCtx): void {
  const set = LIVEKIT_VARS.filter((name) => env[name] !== undefined);
  if (set.length === 0 || set.length === LIVEKIT_VARS.length) return;
  for (const name of LIVEKIT_VARS.filter((n) => env[n] === undefined))
    ctx.addIssue({
      code: "custom",
      path: [name],
      message: `${name} is required when ${set.join(" and ")} ${set.length === 1 ? "is" : "are"} set (set all of LIVEKIT_URL, LIVEKIT_API_KEY and LIVEKIT_API_SECRET, or none for the built-in mesh audio)`,
    });
}

/**
 * Web Push (RFC 8292 VAPID): the application server's P-256 key pair, base64url as
 * web-push's generateVAPIDKeys() and browsers' applicationServerKey use them, and a
 * contact for push services. Unset under `npm start`: generated on the first run and
 * kept in DATA_DIR/secrets.json.
 */
const base64urlKey = (name: string, bytes: number, what: string) =>
  z
    .string()
    .refine(
      (v) => /^[A-Za-z0-9_-]+$/.test(v) && Math.floor((v.length * 3) / 4) === bytes,
      `${name} must be ${what} (${bytes} bytes, base64url), e.g. from npx web-push generate-vapid-keys`,
    );
const vapidVars = {
  VAPID_PUBLIC_KEY: base64urlKey("VAPID_PUBLIC_KEY", 65, "an uncompressed P-256 public key").optional(),
  VAPID_PRIVATE_KEY: base64urlKey("VAPID_PRIVATE_KEY", 32, "a P-256 private key").optional(),
};
const vapidSubjectVar = z
  .string()
  .regex(/^(mailto:.+|https:\/\/.+)$/, "VAPID_SUBJECT must be a mailto: address or an https:// URL")
  .default("mailto:no-reply@offshift.localhost");

/** Names the VAPID key that is missing when the other one is set. */
function vapidBothOrNone(env: { VAPID_PUBLIC_KEY?: string; VAPID_PRIVATE_KEY?: string }, ctx: z.RefinementCtx): void {
  const names = ["VAPID_PUBLIC_KEY", "VAPID_PRIVATE_KEY"] as const;
  const set = names.filter((n) => env[n] !== undefined);
  if (set.length !== 1) return;
  const missing = names.find((n) => env[n] === undefined)!;
  ctx.addIssue({
    code: "custom",
    path: [missing],
    message: `${missing} is required when ${set[0]} is set (a pair from npx web-push generate-vapid-keys, or neither)`,
  });
}

/** `npm start` / `npm run dev`: the launcher that runs database, realtime and web. */
export const launcherEnvSchema = z
  .object({
    NODE_ENV: nodeEnvVar,
    PORT: portVar("PORT", 3000),
    REALTIME_PORT: portVar("REALTIME_PORT", 3001),
    HOST: hostVar,
    DATABASE_URL: databaseUrlVar.optional(),
    DATA_DIR: z.string().default("data"),
    EMBEDDED_PG_PORT: portVar("EMBEDDED_PG_PORT", 0),
    SEED_DEMO_DATA: z
      .enum(["true", "false"], { error: "SEED_DEMO_DATA must be true or false" })
      .default("true")
      .transform((v) => v === "true"),
    DB_CONNECT_TIMEOUT_MS: z
      .string()
      .regex(/^\d+$/, "DB_CONNECT_TIMEOUT_MS must be a whole number of milliseconds")
      .transform(Number)
      .default(60_000),
    LOG_LEVEL: logLevelVar,
    ORG_TIMEZONE: timeZoneVar,
    PUBLIC_REALTIME_URL: httpUrlVar("PUBLIC_REALTIME_URL").optional(),
    /** The address people use to reach web; form posts from elsewhere are refused. */
    ORIGIN: httpUrlVar("ORIGIN").optional(),
    /** Unset: generated on first run and kept in DATA_DIR/secrets.json. */
    AUTH_SECRET: secretVar("AUTH_SECRET").optional(),
    REALTIME_TICKET_SECRET: secretVar("REALTIME_TICKET_SECRET").optional(),
    SMTP_URL: z
      .string()
      .regex(/^smtps?:\/\/.+/, "SMTP_URL must look like smtp://user:pass@host:587 or smtps://...")
      .optional(),
    MAIL_FROM: z.string().optional(),
    ...liveKitVars,
    /**
     * A livekit-server binary for one machine (unset: livekit-server on PATH or in Go's bin
     * folder; `off`: never run one, use the built-in mesh). Used only when LIVEKIT_URL is
     * unset: the launcher runs it on loopback.
     */
    LIVEKIT_SERVER_BIN: z.string().min(1, "LIVEKIT_SERVER_BIN must be a path to a livekit-server binary").optional(),
    /** Checked here so a typo stops `npm start` at once; web reads it (see webEnvSchema). */
    TRUSTED_PROXY: trustedProxyVar,
    ...voiceVars,
    ...vapidVars,
    VAPID_SUBJECT: vapidSubjectVar,
  })
  .superRefine(liveKitAllOrNone)
  .superRefine(vapidBothOrNone);
export type LauncherEnv = z.output<typeof launcherEnvSchema>;

/**
 * Rules both apps keep: the test clock only under NODE_ENV=test (a production
 * server must never read its time from a file), and SMTP in production, for `why`.
 */
const clockAndMailRules =
  (why: string) =>
  (
    env: { NODE_ENV: string; OFFSHIFT_TEST_CLOCK_FILE?: string | undefined; SMTP_URL?: string | undefined },
    ctx: z.RefinementCtx,
  ) => {
    if (env.NODE_ENV !== "test" && env.OFFSHIFT_TEST_CLOCK_FILE)
      ctx.addIssue({
        code: "custom",
        path: ["OFFSHIFT_TEST_CLOCK_FILE"],
        message: "OFFSHIFT_TEST_CLOCK_FILE is only allowed with NODE_ENV=test",
      });
    if (env.NODE_ENV === "production" && !env.SMTP_URL)
      ctx.addIssue({ code: "custom", path: ["SMTP_URL"], message: `SMTP_URL is required in production (${why})` });
  };

export const realtimeEnvSchema = z
  .object({
    NODE_ENV: nodeEnvVar,
    DATABASE_URL: databaseUrlVar,
    PORT: portVar("PORT", 3001),
    HOST: hostVar,
    /** Comma-separated browser origins allowed to connect; "*" reflects any origin (development). */
    CORS_ORIGINS: z.string().default("*"),
    /** Shared with web: verifies the 60-second socket tickets web issues. */
    REALTIME_TICKET_SECRET: secretVar("REALTIME_TICKET_SECRET"),
    /** Identifies this realtime node in logs and live-room state. */
    NODE_ID: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,64}$/, "NODE_ID may contain letters, digits, '.', '_' and '-' (max 64)")
      .optional(),
    LOG_LEVEL: logLevelVar,
    /** Outgoing mail (reminders, room alerts). Unset in development: kept for /dev/mailbox. */
    SMTP_URL: smtpUrlVar.optional(),
    MAIL_FROM: z.string().default("Offshift <no-reply@offshift.localhost>"),
    /** Zone in which session times are written in reminder mail. */
    ORG_TIMEZONE: timeZoneVar,
    /** The public address of web; links in mail point here. */
    ORIGIN: httpUrlVar("ORIGIN").default("http://localhost:3000"),
    /** Tests only: a file holding the ISO time the jobs should treat as now (same file as web). */
    OFFSHIFT_TEST_CLOCK_FILE: z.string().optional(),
    ...liveKitVars,
    /** Both set: pushes (offers, "a volunteer is ready", drop-in news) go to devices that asked. */
    ...vapidVars,
    VAPID_SUBJECT: vapidSubjectVar,
  })
  .superRefine(clockAndMailRules("reminders and room alerts are sent by email"))
  .superRefine(liveKitAllOrNone)
  .superRefine(vapidBothOrNone);
export type RealtimeEnv = z.output<typeof realtimeEnvSchema>;

export const webEnvSchema = z
  .object({
    NODE_ENV: nodeEnvVar,
    DATABASE_URL: databaseUrlVar,
    /** The public address of web; sign-in links point here. */
    ORIGIN: httpUrlVar("ORIGIN").default("http://localhost:3000"),
    /** Signs sign-in sessions (better-auth). */
    AUTH_SECRET: secretVar("AUTH_SECRET"),
    /** Shared with realtime: signs socket tickets. */
    REALTIME_TICKET_SECRET: secretVar("REALTIME_TICKET_SECRET"),
    /** Outgoing mail. Unset in development: mail is shown at /dev/mailbox instead. */
    SMTP_URL: z
      .string()
      .regex(/^smtps?:\/\/.+/, "SMTP_URL must look like smtp://user:pass@host:587 or smtps://...")
      .optional(),
    MAIL_FROM: z.string().default("Offshift <no-reply@offshift.localhost>"),
    /** Where browsers reach realtime. Unset: same host as the page, on REALTIME_PORT. */
    PUBLIC_REALTIME_URL: httpUrlVar("PUBLIC_REALTIME_URL").optional(),
    REALTIME_PORT: portVar("REALTIME_PORT", 3001),
    ORG_TIMEZONE: timeZoneVar,
    LOG_LEVEL: logLevelVar,
    /** Tests only: a file holding the ISO time the app should treat as now. */
    OFFSHIFT_TEST_CLOCK_FILE: z.string().optional(),
    /**
     * How long Tonight's shared part (sessions, counts, rooms) is served from memory before it
     * is read again; changes published as events clear it sooner. 0: read it on every visit.
     */
    TONIGHT_CACHE_MS: z
      .string()
      .regex(/^\d+$/, "TONIGHT_CACHE_MS must be a whole number of milliseconds")
      .transform(Number)
      .refine((ms) => ms <= 600_000, "TONIGHT_CACHE_MS must be at most 600000 (10 minutes)")
      .default(2000),
    /** STUN/TURN servers for mesh audio, as JSON: [{"urls":"turn:turn.example.org:3478","username":"u","credential":"p"}]. */
    ICE_SERVERS: iceServersVar,
    /** Set: pages offer notifications on this device (the browser subscribes with this key). */
    VAPID_PUBLIC_KEY: vapidVars.VAPID_PUBLIC_KEY,
    /**
     * The LiveKit server browsers connect to (realtime hands out its tokens): allowed by the
     * pages' CSP. Set: rooms hold their full capacity. Unset: the built-in audio, so pages
     * offer only what it carries.
     */
    LIVEKIT_URL: liveKitVars.LIVEKIT_URL,
    /**
     * Proxies in front of web that say who the client is in X-Forwarded-For (off: the TCP peer
     * is the client). Per-address limits (sign-in, new guests) count the address this gives.
     */
    TRUSTED_PROXY: trustedProxyVar,
    ...voiceVars,
    /** adapter-node's own client-address settings would bypass TRUSTED_PROXY: refused, with the reason. */
    ADDRESS_HEADER: z
      .undefined({ error: "ADDRESS_HEADER is not used here: set TRUSTED_PROXY instead (see the README)" })
      .optional(),
    XFF_DEPTH: z
      .undefined({ error: "XFF_DEPTH is not used here: set TRUSTED_PROXY instead (see the README)" })
      .optional(),
  })
  .superRefine(clockAndMailRules("sign-in links are sent by email"));
export type WebEnv = z.output<typeof webEnvSchema>;
