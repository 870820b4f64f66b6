/**
 * Characters people never mean to type into a form but scripts send: they
 * break calendar files, mail headers and logs, and PostgreSQL refuses the
 * null byte outright. Shared by every schema that takes text from people.
 */

/** C0 and C1 control characters and DEL: line breaks, tabs, null bytes and the rest. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
export const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;

/** The same, but line breaks and tabs are text in a multi-line field. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
export const CONTROL_CHARACTERS_EXCEPT_LINES = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;

/** Right-to-left and left-to-right overrides, embeddings, isolates and marks: they make text read differently from how it is stored. */
export const BIDI_CONTROLS = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

/** True when one-line text (a name, a title) holds a line break, a control or a bidi character. */
export const hiddenInLine = (v: string): boolean => CONTROL_CHARACTERS.test(v) || BIDI_CONTROLS.test(v);
