import { BIDI_CONTROLS, CONTROL_CHARACTERS } from "../text/hidden.js";

/**
 * Names people give themselves (a guest's nickname, a volunteer's name). They
 * are stored in NFC, so "José" typed with a combining accent is the same name
 * as "José" typed with one key, and every script's letters and marks are
 * welcome (Hindi, Malayalam, Punjabi and the rest need their vowel signs).
 * Refused: hidden characters (controls, bidi overrides) and names that read as
 * one of our roles ("Facilitator Maria", with Latin or look-alike letters), so
 * nobody can pass for the person running the room.
 */

export const normaliseName = (v: string): string => v.normalize("NFC").trim();

/** Words that would make a name read as a role on screen. */
const ROLE_WORDS = ["facilitator", "coordinator", "moderator", "administrator", "volunteer", "offshift"];
const SHORT_ROLE_WORDS = ["admin", "staff", "mod", "host", "support"];

/** Letters from other scripts (and digits) that look like Latin ones, folded to the Latin letter. */
const LOOK_ALIKES: Record<string, string> = {
  а: "a",
  в: "b",
  е: "e",
  ё: "e",
  к: "k",
  м: "m",
  н: "h",
  о: "o",
  р: "p",
  с: "c",
  т: "t",
  у: "y",
  х: "x",
  і: "i",
  ї: "i",
  ј: "j",
  ӏ: "l",
  ԁ: "d",
  ԛ: "q",
  ԝ: "w",
  ո: "n",
  ս: "u",
  օ: "o",
  α: "a",
  β: "b",
  ε: "e",
  ι: "i",
  κ: "k",
  ν: "v",
  ο: "o",
  ρ: "p",
  τ: "t",
  υ: "u",
  χ: "x",
  "0": "o",
  "1": "l",
  "3": "e",
  "4": "a",
  "5": "s",
  "7": "t",
  "@": "a",
  $: "s",
  "|": "l",
};

/** A name as it looks: compatibility forms folded, accents dropped, look-alikes made Latin, lower case. */
export function nameSkeleton(v: string): string {
  return [...v.normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase()].map((c) => LOOK_ALIKES[c] ?? c).join("");
}

/** Whether a name reads as one of our roles. */
export function looksLikeRole(v: string): boolean {
  const words = nameSkeleton(v)
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
  const joined = words.join("");
  if (ROLE_WORDS.some((r) => joined.includes(r))) return true;
  return words.some((w) => SHORT_ROLE_WORDS.some((r) => w === r || new RegExp(`^${r}\\d*s?$`).test(w)));
}

export const hasHiddenCharacters = (v: string): boolean => CONTROL_CHARACTERS.test(v) || BIDI_CONTROLS.test(v);

export const ROLE_NAME_MESSAGE =
  "Please choose a name that does not look like a role, such as facilitator or coordinator.";
