/** Length limits, shared with the browser (no zod there). */
export const WORD_MAX = 280;
export const PARAPHRASE_MAX = 400;
