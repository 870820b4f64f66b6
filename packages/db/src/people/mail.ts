import { client, type Db } from "../client.js";

export async function storeDevMail(handle: Db, mail: { to: string; subject: string; text: string }) {
  const db = client(handle);
  await db.devMail.create({ data: mail });
}

export async function listDevMail(handle: Db, limit = 50) {
  const db = client(handle);
  return db.devMail.findMany({ orderBy: { createdAt: "desc" }, take: limit });
}
