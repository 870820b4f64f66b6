import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ROLE_NAME_MESSAGE, looksLikeRole } from "./names.js";
import { fieldErrors, guestJoinInput, volunteerApplicationInput } from "./schema.js";

const nickname = (n: string) => {
  const r = guestJoinInput.safeParse({ nickname: n, agreement: "on" });
  return r.success
    ? { ok: true as const, value: r.data.nickname }
    : { ok: false as const, error: fieldErrors(r.error).nickname };
};
const volunteerName = (name: string) => {
  const r = volunteerApplicationInput.safeParse({
    name,
    email: "someone@example.org",
    languages: ["en"],
    experience: [],
    codeOfConduct: "on",
  });
  return r.success
    ? { ok: true as const, value: r.data.name }
    : { ok: false as const, error: fieldErrors(r.error).name };
};

describe("names people give themselves", () => {
  it("accepts every script, with its vowel signs and accents: Hindi, Malayalam, Punjabi, Polish, Yoruba", () => {
    for (const n of ["प्रिया", "മീര", "ਹਰਪ੍ਰੀਤ", "Zofia Łęcka", "Adébáyọ̀", "Nguyễn", "O'Neill-Brown"]) {
      expect(nickname(n)).toMatchObject({ ok: true });
      expect(volunteerName(`${n} Kaur`)).toMatchObject({ ok: true });
    }
  });

  it("stores names in NFC: José typed with a combining accent is the same José", () => {
    const decomposed = "Jose\u0301";
    expect(nickname(decomposed)).toEqual({ ok: true, value: "Jos\u00e9" });
    expect(volunteerName(`${decomposed} Silva`)).toEqual({ ok: true, value: "Jos\u00e9 Silva" });
  });

  it("refuses controls and bidi overrides", () => {
    for (const n of ["Kit\u202eowl", "Kit\u2066", "Kit\u0000", "Kit\nOwl"]) {
      expect(nickname(n).ok).toBe(false);
      expect(volunteerName(`${n} Smith`).ok).toBe(false);
    }
  });

  it("refuses names that read as a role, in Latin or look-alike letters, and only those", () => {
    for (const n of [
      "Facilitator Maria",
      "maria the coordinator",
      "Fасilitаtor",
      "Admin",
      "Staff Kim",
      "OFFSHIFT team",
      "Moder4tor",
    ]) {
      expect(looksLikeRole(n)).toBe(true);
      expect(nickname(n.slice(0, 24))).toMatchObject({ ok: false, error: ROLE_NAME_MESSAGE });
    }
    for (const n of ["Modupe", "Hosteen", "Staffordshire Kim", "Adminah", "Maria"])
      expect(looksLikeRole(n)).toBe(false);
  });

  it("property: any letters of any script, composed or decomposed, make the same accepted nickname", () => {
    const letter = fc.constantFrom(..."abcdeéñłżąçघमलਕਰਪമനകΩжЖ".split(""), "e\u0301", "ि", "ੀ", "ു");
    fc.assert(
      fc.property(fc.array(letter, { minLength: 2, maxLength: 8 }), (parts) => {
        const name = `K${parts.join("")}`;
        if (looksLikeRole(name)) return;
        const a = nickname(name);
        const b = nickname(name.normalize("NFD"));
        expect(a.ok).toBe(true);
        expect(b).toEqual(a);
      }),
    );
  });
});
