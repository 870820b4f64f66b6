import type { PushTopic } from "@offshift/core/browser";

export type PushState = "checking" | "unsupported" | "off" | "on" | "blocked";

/** The push API wants the VAPID key as bytes. */
function keyBytes(base64url: string): Uint8Array<ArrayBuffer> {
  const b64 = base64url.replace(/-/g, "+").replace(/_/g, "/");
  const raw = atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4));
  const out = new Uint8Array(new ArrayBuffer(raw.length));
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
  return out;
}

async function post(path: string, method: "POST" | "DELETE", body: unknown) {
  const res = await fetch(path, {
    method,
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const data = (await res.json().catch(() => ({}))) as { ok?: boolean; message?: string } & Record<string, unknown>;
  if (!res.ok || data.ok === false) throw new Error(data.message ?? "Something went wrong. Please try again.");
  return data;
}

/**
 * Notifications on this device (Web Push through the service worker): which
 * topics it gets and whether the wording is discreet. Only the push address,
 * its keys and these choices reach the server.
 */
export class DevicePush {
  state = $state<PushState>("checking");
  topics = $state<PushTopic[]>([]);
  discreet = $state(true);
  busy = $state(false);
  error = $state<string | null>(null);
  readonly #key: string | null;

  constructor(key: string | null) {
    this.#key = key;
  }

  async #registration(): Promise<ServiceWorkerRegistration | null> {
    if (!this.#key || !("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window))
      return null;
    return navigator.serviceWorker.ready;
  }

  async refresh() {
    const reg = await this.#registration();
    if (!reg) return void (this.state = "unsupported");
    if (Notification.permission === "denied") return void (this.state = "blocked");
    const sub = await reg.pushManager.getSubscription();
    if (!sub) return void (this.state = "off");
    try {
      const r = (await post("/api/push/status", "POST", { endpoint: sub.endpoint })) as {
        status: { topics: PushTopic[]; discreet: boolean } | null;
      };
      this.topics = r.status?.topics ?? [];
      this.discreet = r.status?.discreet ?? true;
      this.state = this.topics.length > 0 ? "on" : "off";
    } catch {
      this.state = "off";
    }
  }

  has(topic: PushTopic) {
    return this.state === "on" && this.topics.includes(topic);
  }

  async #save(topics: PushTopic[], discreet: boolean) {
    const reg = await this.#registration();
    if (!reg) throw new Error("This browser can't show notifications from Offshift.");
    if ((await Notification.requestPermission()) !== "granted") {
      this.state = "blocked";
      throw new Error("Notifications are blocked for this site. You can allow them in the browser's site settings.");
    }
    let sub = await reg.pushManager.getSubscription();
    try {
      sub ??= await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(this.#key!) });
    } catch {
      throw new Error("This browser couldn't turn notifications on just now. Please try again later.");
    }
    const json = sub.toJSON();
    const r = (await post("/api/push", "POST", { endpoint: json.endpoint, keys: json.keys, topics, discreet })) as {
      topics: PushTopic[];
      discreet: boolean;
    };
    this.topics = r.topics;
    this.discreet = r.discreet;
    this.state = r.topics.length > 0 ? "on" : "off";
  }

  async #run(action: () => Promise<void>) {
    this.busy = true;
    this.error = null;
    try {
      await action();
    } catch (e) {
      this.error = e instanceof Error ? e.message : "Something went wrong. Please try again.";
    } finally {
      this.busy = false;
    }
  }

  turnOn(topic: PushTopic) {
    return this.#run(() =>
      this.#save(this.topics.includes(topic) ? this.topics : [...this.topics, topic], this.discreet),
    );
  }

  turnOff(topic: PushTopic) {
    return this.#run(async () => {
      const rest = this.topics.filter((t) => t !== topic);
      if (rest.length > 0) return this.#save(rest, this.discreet);
      const sub = await (await this.#registration())?.pushManager.getSubscription();
      if (sub) {
        await post("/api/push", "DELETE", { endpoint: sub.endpoint });
        await sub.unsubscribe();
      }
      this.topics = [];
      this.state = "off";
    });
  }

  setDiscreet(discreet: boolean) {
    return this.#run(() => this.#save(this.topics, discreet));
  }
}
