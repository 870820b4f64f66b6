/**
 * Whether this device has been in a drop-in room before (so its person has read
 * what joining means): Tonight's Join then takes them straight in, listening.
 * Kept in localStorage, nothing else; "Forget me on this device" clears it.
 */
const KEY = "offshift:joined-a-room";

export function rememberJoined(): void {
  try {
    localStorage.setItem(KEY, "1");
  } catch {
    // Private browsing may refuse storage: they simply see the explanation next time.
  }
}

export function joinedBefore(): boolean {
  try {
    return localStorage.getItem(KEY) === "1";
  } catch {
    return false;
  }
}

export function forgetJoined(): void {
  try {
    localStorage.removeItem(KEY);
  } catch {
    // Nothing was kept.
  }
}
