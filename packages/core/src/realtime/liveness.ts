/**
 * A page in a room checks its realtime link is alive (`live:ping`): a phone
 * that loses its signal often never says so ("offline" does not fire), and
 * Socket.IO's own pings take up to 40 s to notice. Asked this often ...
 */
export const LIVENESS_EVERY_MS = 2000;
/** ... and with no answer in this long the link counts as dead: "Reconnecting…" and a fresh connection. */
export const LIVENESS_TIMEOUT_MS = 3000;
