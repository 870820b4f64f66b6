declare global {
  namespace App {
    interface Locals {
      /** Anonymous per-browser key (httpOnly cookie); never linked to a person. */
      browserKey: string;
      /** Who is asking, for can(): visitor, guest or signed-in person. */
      actor: import("@offshift/core").Actor;
      guest: { id: string; nickname: string } | null;
      person: {
        id: string;
        displayName: string;
        email: string | null;
        roles: import("@offshift/core").Role[];
        status: import("@offshift/core").PersonStatus;
      } | null;
    }
    interface Error {
      message: string;
    }
  }
}

export {};
