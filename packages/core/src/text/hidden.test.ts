import { describe, expect, it } from "vitest";
import { fieldErrors, volunteerApplicationInput } from "../people/schema.js";
import { shiftTemplate } from "../rota/schema.js";
import { rotaTemplateForm } from "../rota/templates.js";
import { hiddenInLine } from "./hidden.js";

const errorsOf = (result: { success: boolean; error?: unknown }) =>
  result.success ? {} : fieldErrors(result.error as Parameters<typeof fieldErrors>[0]);

describe("hidden characters in names people type", () => {
  it("finds null bytes, line breaks, other controls and bidi overrides, and nothing in ordinary text", () => {
    for (const bad of ["Ama\u0000", "Ama\nOwusu", "Ama\u0007", "Ama\u202eusuwO", "Ama\u2066x"])
      expect(hiddenInLine(bad)).toBe(true);
    for (const good of ["Ama Owusu", "José", "Zofia Łęcka", "प्रिया", "ਹਰਪ੍ਰੀਤ", "മീര", "O'Neill-Brown"])
      expect(hiddenInLine(good)).toBe(false);
  });

  it("a volunteer's name, a rota template's name and a shift's name refuse them in plain words (not a server error)", () => {
    const application = {
      name: "Ama\u0000Owusu",
      email: "ama@example.org",
      languages: ["en"],
      experience: [],
      codeOfConduct: "on",
    };
    expect(errorsOf(volunteerApplicationInput.safeParse(application)).name).toBe(
      "Your name cannot contain line breaks or hidden characters",
    );
    const template = rotaTemplateForm.safeParse({
      name: "Nights\u0000",
      recurrence: {
        pattern: "weekly",
        days: ["MO"],
        everyWeeks: 1,
        startDate: "2026-12-07",
        startTime: "22:00",
        end: { kind: "never" },
      },
      durationMinutes: "120",
      minVolunteers: "1",
      maxVolunteers: "2",
    });
    expect(errorsOf(template).name).toBe("The name cannot contain line breaks or hidden characters");
    const shift = shiftTemplate.safeParse({
      id: "night",
      name: "night\u0000",
      parts: [{ start: "22:00", end: "07:00", endsNextDay: true }],
    });
    expect(errorsOf(shift).name).toBe("The shift name cannot contain line breaks or hidden characters");
  });
});
