declare global {
  namespace App {
    interface Locals {
      /** Anonymous per-browser key (httpOnly cookie); never linked to a person. */
      browserKey: string;
    }
    interface Error {
      message: string;
    }
  }
}

export {};
