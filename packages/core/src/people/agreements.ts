/** Which agreement a worker is asked to accept on the way to `next`: the 1:1 line has its own. */
export const agreementFor = (next: string): "talk" | "group" =>
  next === "/talk" || next.startsWith("/talk/") || next.startsWith("/talk?") ? "talk" : "group";
