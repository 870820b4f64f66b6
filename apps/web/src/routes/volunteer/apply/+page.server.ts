import { fail } from "@sveltejs/kit";
import { EXPERIENCE_TAGS, LANGUAGES, can, fieldErrors, volunteerApplicationInput } from "@offshift/core";
import { submitVolunteerApplication } from "@offshift/db";
import { getDb } from "$lib/server/db.js";
import { sendMail } from "$lib/server/mail.js";
import { allowSignInRequest } from "$lib/server/rate-limit.js";
import type { Actions, PageServerLoad } from "./$types";
import { clientAddressOf } from "$lib/server/client-address.js";

export const load: PageServerLoad = ({ locals }) => ({
  languages: Object.entries(LANGUAGES).map(([code, name]) => ({ code, name })),
  experience: [...EXPERIENCE_TAGS],
  signedIn: locals.person !== null,
});

export const actions: Actions = {
  default: async (event) => {
    const { request, locals } = event;
    const data = await request.formData();
    const values = {
      name: String(data.get("name") ?? "").slice(0, 200),
      email: String(data.get("email") ?? "").slice(0, 300),
      languages: data.getAll("languages").map(String),
      experience: data.getAll("experience").map(String),
      codeOfConduct: data.get("codeOfConduct") ?? undefined,
    };
    if (!can(locals.actor, "volunteer.apply"))
      return fail(403, { errors: { form: "You already have an account." }, values });
    const parsed = volunteerApplicationInput.safeParse(values);
    if (!parsed.success) return fail(400, { errors: fieldErrors(parsed.error), values });
    // It sends mail to the address given: the same limiter as every other form that does.
    if (!(await allowSignInRequest(parsed.data.email, clientAddressOf(event))))
      return fail(429, {
        errors: { form: "Too many requests for that email address. Please wait 15 minutes and try again." },
        values,
      });
    const result = await submitVolunteerApplication(getDb(), parsed.data);
    if (result.created) {
      await sendMail({
        to: parsed.data.email,
        subject: "We've received your Offshift volunteer application",
        text: "Thank you for applying to volunteer with Offshift. A coordinator will review your application and email you.",
      });
    }
    // Same answer whether or not the email was known.
    return { submitted: true };
  },
};
