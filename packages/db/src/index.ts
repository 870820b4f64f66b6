export { createDb, type Db } from "./client.js";
export * from "./generated/prisma/enums.js";
export { listUpcomingOccurrences, type TonightItem } from "./dropins/queries.js";
export { setAttendanceIntent, type SetAttendanceResult } from "./dropins/mutations.js";
export { materializeOccurrences, OCCURRENCE_HORIZON_DAYS } from "./dropins/materialize.js";
export { materializeRotaSlots, ROTA_HORIZON_DAYS } from "./rota/materialize.js";
export { seedDemoData, DEMO_SEEDED_KEY } from "./seed.js";
