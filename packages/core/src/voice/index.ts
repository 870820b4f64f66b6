export * from "./themes.js";
export * from "./word.js";
export * from "./calendar.js";
export * from "./publication.js";
export * from "./report.js";
export * from "./feed.js";
