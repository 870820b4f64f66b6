import type { Db } from "../client.js";

export async function storeDevMail(db: Db, mail: { to: string; subject: string; text: string }) {
  await db.devMail.create({ data: mail });
}

export async function listDevMail(db: Db, limit = 50) {
  return db.devMail.findMany({ orderBy: { createdAt: "desc" }, take: limit });
}
