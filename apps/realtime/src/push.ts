import type { Agent } from "node:https";
import webpush from "web-push";
import { pushNotification, type Identity, type PushMessage, type PushTopic } from "@offshift/core";
import { pushTargetsFor, removePushSubscription, type Db, type PushTarget } from "@offshift/db";
import type { Logger } from "pino";

export interface VapidConfig {
  publicKey: string;
  privateKey: string;
  /** mailto: or https: contact that push services may use (VAPID_SUBJECT). */
  subject: string;
}

export interface PushSender {
  /**
   * Pushes `message` to every device of this guest or person that chose `topic`, in each device's own wording. Never throws: a push is a
   * nudge beside the live page, and a failure is logged without the address.
   */
  send(identity: Identity, topic: PushTopic, message: PushMessage, options?: { ttlSeconds?: number }): Promise<number>;
  /** Pushes to one device already chosen (drop-in pushes); true when the push service took it. */
  sendTo(target: PushTarget, message: PushMessage, options?: { ttlSeconds?: number }): Promise<boolean>;
}

/**
 * Web Push through the maintained `web-push` library (RFC 8030 delivery, RFC 8291
 * aes128gcm encryption, RFC 8292 VAPID). A subscription the push service says is
 * gone (404, 410) is removed at once.
 */
export function createPushSender(options: {
  db: Db;
  logger: Logger;
  vapid: VapidConfig;
  /** Tests: an https.Agent that trusts the local push service's certificate. */
  agent?: Agent;
}): PushSender {
  const { db, logger, vapid } = options;
  const sendTo: PushSender["sendTo"] = async (target, message, { ttlSeconds = 60 } = {}) => {
    const payload = JSON.stringify(pushNotification(message, target.discreet));
    try {
      await webpush.sendNotification({ endpoint: target.endpoint, keys: target.keys }, payload, {
        vapidDetails: vapid,
        TTL: ttlSeconds,
        urgency: message.kind === "talk-offer" || message.kind === "talk-ready" ? "high" : "normal",
        ...(options.agent ? { agent: options.agent } : {}),
      });
      return true;
    } catch (err) {
      const status = (err as { statusCode?: number }).statusCode;
      const pushService = new URL(target.endpoint).host;
      if (status === 404 || status === 410) {
        await removePushSubscription(db, target.endpoint);
        logger.info({ pushService, status }, "push subscription gone; removed");
      } else {
        logger.warn(
          { pushService, status, err: err instanceof Error ? err.message : String(err) },
          "push not delivered",
        );
      }
      return false;
    }
  };
  return {
    sendTo,
    async send(identity, topic, message, sendOptions) {
      const targets = await pushTargetsFor(db, identity, topic);
      const sent = await Promise.all(targets.map((target) => sendTo(target, message, sendOptions)));
      return sent.filter(Boolean).length;
    },
  };
}
