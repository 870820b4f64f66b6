export { seedDemoData, DEMO_SEEDED_KEY } from "./seed.js";
