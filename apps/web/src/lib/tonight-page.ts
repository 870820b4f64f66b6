/**
 * Tonight's only script. Tonight is server-rendered with no framework in the
 * browser (`csr = false`: a first visit on mobile data downloads the page, its
 * styles and this), and everything on it works without script as well: links,
 * "Count me in" as a plain form post. This file adds what the layout's Svelte
 * components do on every other page, and Tonight's live updates:
 *  - Quick exit (the button, Escape twice, Back) and the crisis contacts' toggle;
 *  - the connection status, for a server-sent event stream
 *    (/api/tonight/events) rather than a Socket.IO connection;
 *  - live places: when any drop-in changes, the page reads itself again and
 *    puts the new sessions in place, without a reload;
 *  - "Count me in" without leaving the page (the same post, the same answer);
 *  - the service worker (the installable app, the offline page).
 */
import { watchQuickExit } from "./quick-exit.js";
import { CONNECTION_LABELS, type ConnectionState } from "./connection-labels.js";

const SESSIONS = "tonight-sessions";

function setStatus(state: ConnectionState) {
  const status = document.querySelector<HTMLElement>("[data-testid=connection-status]");
  if (!status || status.dataset.state === state) return;
  status.dataset.state = state;
  const label = status.querySelector("[data-label]");
  if (label) label.textContent = CONNECTION_LABELS[state];
}

function quickExitAndCrisis() {
  // The button itself is app.html's (it works before any script has loaded); Escape twice and Back are here.
  watchQuickExit();
  const toggle = document.querySelector<HTMLButtonElement>("[data-crisis-toggle]");
  const list = toggle && document.getElementById(toggle.getAttribute("aria-controls")!);
  toggle?.addEventListener("click", () => {
    const open = toggle.getAttribute("aria-expanded") !== "true";
    toggle.setAttribute("aria-expanded", String(open));
    toggle.lastElementChild!.textContent = open ? "−" : "+";
    if (list) list.hidden = !open;
  });
}

/** The sessions from a Tonight page's HTML put in place of these; its change count goes with them. */
function swapIn(html: string): boolean {
  const next = new DOMParser().parseFromString(html, "text/html").getElementById(SESSIONS);
  const here = document.getElementById(SESSIONS);
  if (!next || !here) return false;
  // Someone moving through the cards by keyboard keeps their place: the same control of the same card.
  const focused = document.activeElement;
  const card = here.contains(focused) ? focused!.closest<HTMLElement>("[data-occurrence-id]") : null;
  const nth = card ? [...card.querySelectorAll(FOCUSABLE)].indexOf(focused!) : -1;
  here.replaceWith(document.adoptNode(next));
  if (!card) return true;
  const again = next.querySelector<HTMLElement>(`[data-occurrence-id="${card.dataset.occurrenceId}"]`);
  const controls = again ? [...again.querySelectorAll<HTMLElement>(FOCUSABLE)] : [];
  (controls[Math.min(Math.max(nth, 0), controls.length - 1)] ?? again)?.focus();
  return true;
}

const FOCUSABLE = "a[href], button, input:not([type=hidden])";

let reading: Promise<void> | undefined;
let again = false;
/** Reads Tonight again; changes during a read are followed by one more read. */
function readAgain(): void {
  if (reading) {
    again = true;
    return;
  }
  reading = fetch(location.pathname, { credentials: "same-origin", cache: "no-store" })
    .then((r) => (r.ok ? r.text() : Promise.reject(new Error(String(r.status)))))
    .then((html) => void swapIn(html))
    .catch(() => {
      // Offline: the stream says "missed" once it is back. Otherwise try again shortly.
      again = navigator.onLine;
    })
    .finally(() => {
      reading = undefined;
      if (again) {
        again = false;
        setTimeout(readAgain, 1000);
      }
    });
}

function live() {
  const since = document.getElementById(SESSIONS)?.dataset.since ?? "";
  let source: EventSource | undefined;
  let retry: ReturnType<typeof setTimeout> | undefined;
  let occupancy: ReturnType<typeof setTimeout> | undefined;
  let wait = 1000;
  const open = (afresh: boolean) => {
    source?.close();
    const url = `/api/tonight/events?since=${encodeURIComponent(afresh ? "" : since)}`;
    source = new EventSource(url);
    source.onopen = () => {
      wait = 1000;
      setStatus("live");
    };
    source.onerror = () => {
      if (source!.readyState === EventSource.CONNECTING) return setStatus("reconnecting");
      // Refused (not an event stream): the browser does not retry these itself.
      setStatus("offline");
      clearTimeout(retry);
      retry = setTimeout(() => open(true), wait);
      wait = Math.min(wait * 2, 30_000);
    };
    // A count, a cancellation or new session, or something missed while not connected: read now.
    for (const event of ["attendance", "schedule", "missed"]) source.addEventListener(event, readAgain);
    // Someone came into or left a room: a busy lobby is read at most once a second.
    source.addEventListener("occupancy", () => {
      occupancy ??= setTimeout(() => {
        occupancy = undefined;
        readAgain();
      }, 1000);
    });
  };
  open(false);
  // The phone says the signal is gone: say so now, and connect again when it is back.
  window.addEventListener("offline", () => {
    source?.close();
    setStatus("reconnecting");
  });
  window.addEventListener("online", () => open(true));
  // Back to a page the browser kept in memory: its stream may be gone, and changes missed.
  window.addEventListener("pageshow", (e) => {
    if (e.persisted) open(true);
  });
}

/** "Count me in" / "I can't make it now": the same form post, its answer put in place without leaving the page. */
function forms() {
  document.addEventListener("submit", (e) => {
    const form = e.target as HTMLFormElement;
    if (!form.closest(`#${SESSIONS}`) || e.defaultPrevented) return;
    e.preventDefault();
    // Sent once (the button keeps focus, and gets it back in the new card).
    if (form.dataset.sending) return;
    form.dataset.sending = "1";
    const body = new FormData(form);
    if (e.submitter instanceof HTMLButtonElement && e.submitter.name) body.set(e.submitter.name, e.submitter.value);
    fetch(form.action, { method: "POST", body, credentials: "same-origin" })
      .then((r) => r.text())
      .then((html) => {
        // Not a Tonight page (a server error): the form stays, to be sent again.
        if (!swapIn(html)) delete form.dataset.sending;
      })
      .catch(() => form.submit());
  });
}

quickExitAndCrisis();
forms();
live();
if ("serviceWorker" in navigator) {
  addEventListener("load", () => void navigator.serviceWorker.register("/service-worker.js"));
}
