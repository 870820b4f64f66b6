export { refuse as voiceRefusal, type VoiceResult, type VoiceRefusal, type VoiceEffect } from "./result.js";
export { listVoiceThemes, addVoiceTheme, setVoiceThemeActive, type VoiceThemeRow } from "./themes.js";
export { recordSessionThemes, sessionsToTick, type SessionToTick, type VoiceSessionRef } from "./ticks.js";
export {
  leaveVoiceWord,
  listVoiceWords,
  archiveVoiceWord,
  publishVoiceStatement,
  withdrawVoiceStatement,
  listVoiceStatements,
  type VoiceWordRow,
  type VoiceStatementRow,
} from "./words.js";
export { loadVoicePublication, type VoicePublication } from "./publication.js";
