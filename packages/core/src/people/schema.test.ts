import { describe, expect, it } from "vitest";
import { agreementFor } from "./agreements.js";
import {
  fieldErrors,
  guestJoinInput,
  guestTalkInput,
  signInRequestInput,
  volunteerApplicationInput,
} from "./schema.js";

const errorsOf = (result: { success: boolean; error?: unknown }) =>
  result.success ? {} : fieldErrors(result.error as Parameters<typeof fieldErrors>[0]);

describe("guest join", () => {
  it("needs only a nickname and the agreement", () => {
    expect(guestJoinInput.parse({ nickname: "  Night Owl ", agreement: "on" })).toEqual({
      nickname: "Night Owl",
      agreement: true,
    });
  });
  it("explains each problem", () => {
    expect(errorsOf(guestJoinInput.safeParse({ nickname: "x" }))).toEqual({
      nickname: "Your nickname needs at least 2 characters",
      agreement: "Please accept the group agreement to join",
    });
    expect(errorsOf(guestJoinInput.safeParse({ nickname: "<script>", agreement: "on" })).nickname).toBe(
      "Use letters, numbers, spaces and . ' _ - only",
    );
    expect(errorsOf(guestJoinInput.safeParse({ nickname: "a".repeat(25), agreement: "on" })).nickname).toMatch(/24/);
  });
  it("asks someone on the way to the 1:1 line for its own agreement, not the group's", () => {
    expect(agreementFor("/talk")).toBe("talk");
    expect(agreementFor("/talk/call/x")).toBe("talk");
    expect(agreementFor("/talking-points")).toBe("group");
    expect(agreementFor("/sessions/x/room")).toBe("group");
    expect(agreementFor("/")).toBe("group");
    expect(errorsOf(guestTalkInput.safeParse({ nickname: "Night Owl" }))).toEqual({
      agreement: "Please accept the one-to-one agreement to continue",
    });
  });
  it("accepts names in other scripts", () => {
    expect(guestJoinInput.safeParse({ nickname: "Zofia Łęcka", agreement: "on" }).success).toBe(true);
  });
});

describe("volunteer application", () => {
  const valid = {
    name: "Ama Owusu",
    email: "Ama@Example.org",
    languages: ["en", "tw"],
    experience: ["nights"],
    codeOfConduct: "on",
  };
  it("normalises the email", () => {
    expect(volunteerApplicationInput.parse(valid).email).toBe("ama@example.org");
  });
  it("gives field-level errors", () => {
    const e = errorsOf(
      volunteerApplicationInput.safeParse({
        name: "<b>Ama</b>",
        email: "not-an-email",
        languages: ["klingon"],
        experience: ["astronaut"],
      }),
    );
    expect(e).toEqual({
      name: "Your name cannot contain < or >",
      email: "Enter an email address like name@example.org",
      languages: "Choose languages from the list",
      experience: "Choose experience from the list",
      codeOfConduct: "Please agree to the volunteer code of conduct",
    });
    expect(errorsOf(volunteerApplicationInput.safeParse({ ...valid, name: "A".repeat(81) })).name).toMatch(/80/);
    expect(errorsOf(volunteerApplicationInput.safeParse({ ...valid, languages: [] })).languages).toMatch(
      /at least one/,
    );
  });
});

describe("sign-in request", () => {
  it("rejects malformed and over-long emails", () => {
    expect(signInRequestInput.safeParse({ email: "a@b" }).success).toBe(false);
    expect(signInRequestInput.safeParse({ email: `${"a".repeat(250)}@x.org` }).success).toBe(false);
    expect(signInRequestInput.parse({ email: " Sam@Offshift.Example " }).email).toBe("sam@offshift.example");
  });
});

describe("coordinator decisions", () => {
  it("accept only known decisions about a real id", async () => {
    const { applicationDecisionInput } = await import("./schema.js");
    const id = "3f1c2b0e-2d9b-4d7e-9f0a-6b1e3c5d7a90";
    expect(applicationDecisionInput.safeParse({ personId: id, decision: "approve" }).success).toBe(true);
    expect(errorsOf(applicationDecisionInput.safeParse({ personId: id, decision: "make-admin" }))).toEqual({
      decision: "Unknown decision",
    });
    expect(errorsOf(applicationDecisionInput.safeParse({ personId: "1; drop table", decision: "approve" }))).toEqual({
      personId: "Unknown applicant",
    });
  });
});

describe("worker reminders account", () => {
  it("needs a real email and a valid nickname, nothing else", async () => {
    const { workerAccountInput } = await import("./schema.js");
    expect(workerAccountInput.parse({ email: " Owl@Example.org ", nickname: "Night Owl" })).toEqual({
      email: "owl@example.org",
      nickname: "Night Owl",
    });
    expect(errorsOf(workerAccountInput.safeParse({ email: "owl@", nickname: "<b>" }))).toEqual({
      email: "Enter an email address like name@example.org",
      nickname: "Use letters, numbers, spaces and . ' _ - only",
    });
  });
});

describe("names and ids", () => {
  it("shows first names only and treats malformed ids as not found", async () => {
    const { firstName, isId } = await import("./schema.js");
    expect(firstName("  Maria   Santos ")).toBe("Maria");
    expect(firstName("Priya")).toBe("Priya");
    expect(isId("3f1c2b0e-2d9b-4d7e-9f0a-6b1e3c5d7a90")).toBe(true);
    for (const bad of [
      "",
      "not-a-session",
      "3f1c2b0e-2d9b-4d7e-9f0a-6b1e3c5d7a9",
      "../../etc/passwd",
      "'; drop table x; --",
    ]) {
      expect(isId(bad)).toBe(false);
    }
  });
});
