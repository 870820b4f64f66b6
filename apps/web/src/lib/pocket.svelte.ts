/**
 * A room in the pocket: the lock screen and headphones control it (Media
 * Session), and the screen can be kept on if the person asks (Screen Wake Lock).
 * Audio already plays through media elements (mesh.ts, livekit.ts), which keep
 * playing with the page hidden.
 */

/** Neutral lock-screen text: a phone may be shared; the room's name could say too much. */
const LOCK_SCREEN = { title: "Listening", artist: "Tap to return" };

type Action = "togglemicrophone" | "hangup" | "stop";

/** Sets the lock screen's controls while in a room; returns a function that clears them. */
export function roomMediaSession(handlers: { toggleMute(): void; leave(): void }): () => void {
  if (typeof navigator === "undefined" || !("mediaSession" in navigator)) return () => {};
  const session = navigator.mediaSession;
  session.metadata = new MediaMetadata({
    ...LOCK_SCREEN,
    artwork: [{ src: "/icons/icon-192.png", sizes: "192x192", type: "image/png" }],
  });
  const actions: [Action, () => void][] = [
    ["togglemicrophone", handlers.toggleMute],
    ["hangup", handlers.leave],
    ["stop", handlers.leave],
  ];
  for (const [action, handler] of actions) {
    try {
      session.setActionHandler(action as MediaSessionAction, handler);
    } catch {
      // this browser does not know that action
    }
  }
  session.playbackState = "playing";
  return () => {
    for (const [action] of actions) {
      try {
        session.setActionHandler(action as MediaSessionAction, null);
      } catch {
        // as above
      }
    }
    session.metadata = null;
    session.playbackState = "none";
  };
}

/** Tells the lock screen whether the microphone is on (Chrome shows it on its call controls). */
export function showMicrophone(active: boolean) {
  const session = typeof navigator !== "undefined" ? navigator.mediaSession : undefined;
  try {
    (session as { setMicrophoneActive?: (a: boolean) => void } | undefined)?.setMicrophoneActive?.(active);
  } catch {
    // not supported
  }
}

/** "Keep the screen on": asked for only when the person ticks it; taken again when the page comes back. */
export class ScreenAwake {
  supported = typeof navigator !== "undefined" && "wakeLock" in navigator;
  wanted = $state(false);
  held = $state(false);
  #lock: WakeLockSentinel | null = null;
  #onVisible = () => {
    if (this.wanted && document.visibilityState === "visible") void this.#take();
  };

  async #take() {
    try {
      this.#lock = await navigator.wakeLock.request("screen");
      this.held = true;
      this.#lock.addEventListener("release", () => (this.held = false));
    } catch {
      // refused (battery saver, page hidden): the screen may lock, the audio keeps playing
      this.held = false;
    }
  }

  async set(wanted: boolean) {
    this.wanted = wanted;
    if (wanted) {
      document.addEventListener("visibilitychange", this.#onVisible);
      await this.#take();
    } else {
      document.removeEventListener("visibilitychange", this.#onVisible);
      await this.#lock?.release();
      this.#lock = null;
      this.held = false;
    }
  }
}
