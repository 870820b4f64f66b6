export * from "./errors.js";
export * from "./config/env.js";
export * from "./time/zoned.js";
export * from "./time/recurrence.js";
export * from "./dropins/tonight.js";
export * from "./dropins/schema.js";
export * from "./realtime/events.js";
