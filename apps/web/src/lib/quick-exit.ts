/**
 * Quick exit, shared by the layout's button (QuickExit.svelte) and Tonight's
 * small script (tonight-page.ts, Tonight ships no framework). A neutral page;
 * replace() keeps this page out of the back button. The same address and flag
 * are in app.html, whose early check stops Back showing an earlier Offshift
 * page (the browser keeps those; a page cannot remove them).
 */
const NEUTRAL_URL = "https://www.bbc.co.uk/weather";
const LEFT_FLAG = "offshift-left";

export function leaveQuickly(): void {
  document.body.hidden = true;
  document.title = "Weather";
  try {
    sessionStorage.setItem(LEFT_FLAG, "1");
  } catch {
    // storage blocked: leaving still works, Back may show the page it came from
  }
  location.replace(NEUTRAL_URL);
}

/** Escape twice quickly leaves; so does coming Back to a page the browser kept in memory. Returns the cleanup. */
export function watchQuickExit(): () => void {
  // Opened afresh (a link, the address bar), not by Back: this tab may use Offshift again.
  const navigation = performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming | undefined;
  try {
    if (navigation?.type !== "back_forward") sessionStorage.removeItem(LEFT_FLAG);
  } catch {
    // storage blocked
  }
  // Back into a page the browser kept in memory (no reload, so app.html's check does not run).
  const onShow = (e: PageTransitionEvent) => {
    if (e.persisted && sessionStorage.getItem(LEFT_FLAG)) leaveQuickly();
  };
  let last = 0;
  const onKey = (e: KeyboardEvent) => {
    if (e.key !== "Escape") return;
    const now = Date.now();
    if (now - last < 600) leaveQuickly();
    last = now;
  };
  window.addEventListener("keydown", onKey);
  window.addEventListener("pageshow", onShow);
  return () => {
    window.removeEventListener("keydown", onKey);
    window.removeEventListener("pageshow", onShow);
  };
}
