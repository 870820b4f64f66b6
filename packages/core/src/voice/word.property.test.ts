import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { findContactDetail, workerWordSchema } from "./word.js";

const words = fc.array(fc.constantFrom("pay", "travel", "rota", "nights", "hoist", "£10.42", "15", "2", "mins"), {
  maxLength: 8,
});
/** Words without digits, so the only digits are the ones a property puts in. */
const plain = fc.array(fc.constantFrom("pay", "travel", "rota", "nights", "hoist", "mins", "for", "a"), {
  maxLength: 8,
});
const sep = fc.constantFrom("", " ", "-", ".");

describe("the worker's word: contact details, over any wording", () => {
  it("any email address is found wherever it sits in the text", () => {
    fc.assert(
      fc.property(words, fc.emailAddress(), words, (before, email, after) => {
        const text = [...before, email, ...after].join(" ");
        // fast-check's addresses include quoted local parts; ours need a dot-separated domain.
        fc.pre(/\.[a-z]{2,}$/i.test(email));
        expect(findContactDetail(text)).toBe("email");
        expect(workerWordSchema.safeParse(text).success).toBe(false);
      }),
    );
  });

  it("a UK phone number is found however it is spaced", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("07", "+447", "01", "02", "0800"),
        fc.array(fc.tuple(sep, fc.integer({ min: 0, max: 9 })), { minLength: 9, maxLength: 10 }),
        words,
        (prefix, rest, after) => {
          const number = prefix + rest.map(([s, d]) => `${s}${d}`).join("");
          expect(findContactDetail(`${number} ${after.join(" ")}`)).toBe("phone");
        },
      ),
    );
  });

  it("ordinary numbers in a sentence (amounts, minutes, short counts) are not mistaken for contact details", () => {
    fc.assert(
      fc.property(plain, plain, fc.integer({ min: 0, max: 99_999 }), (ws, more, n) => {
        // At most nine digits in a row (4 + 5): a real number is ten or more.
        const text = [...ws, "£10.42", ...more, String(n), "miles"].join(" ");
        expect(findContactDetail(text)).toBeNull();
      }),
    );
  });
});
