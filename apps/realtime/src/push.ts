import type { Agent } from "node:https";
import webpush from "web-push";
import { pushNotification, type PushMessage, type PushTopic } from "@offshift/core";
import { pushTargetsFor, removePushSubscription, type Db } from "@offshift/db";
import type { Logger } from "pino";

export interface VapidConfig {
  publicKey: string;
  privateKey: string;
  /** mailto: or https: contact that push services may use (VAPID_SUBJECT). */
  subject: string;
}

export interface PushSender {
  /**
   * Pushes `message` to every device of `identityKey` (`guest:<id>` / `person:<id>`)
   * that chose `topic`, in each device's own wording. Never throws: a push is a
   * nudge beside the live page, and a failure is logged without the address.
   */
  send(identityKey: string, topic: PushTopic, message: PushMessage, options?: { ttlSeconds?: number }): Promise<number>;
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
  return {
    async send(identityKey, topic, message, { ttlSeconds = 60 } = {}) {
      const targets = await pushTargetsFor(db, identityKey, topic);
      let delivered = 0;
      await Promise.all(
        targets.map(async (target) => {
          const payload = JSON.stringify(pushNotification(message, target.discreet));
          try {
            await webpush.sendNotification({ endpoint: target.endpoint, keys: target.keys }, payload, {
              vapidDetails: vapid,
              TTL: ttlSeconds,
              urgency: message.kind === "talk-offer" || message.kind === "talk-ready" ? "high" : "normal",
              ...(options.agent ? { agent: options.agent } : {}),
            });
            delivered++;
          } catch (err) {
            const status = (err as { statusCode?: number }).statusCode;
            if (status === 404 || status === 410) {
              await removePushSubscription(db, target.endpoint);
              logger.info({ pushService: new URL(target.endpoint).host, status }, "push subscription gone; removed");
            } else {
              logger.warn(
                {
                  pushService: new URL(target.endpoint).host,
                  status,
                  err: err instanceof Error ? err.message : String(err),
                },
                "push not delivered",
              );
            }
          }
        }),
      );
      return delivered;
    },
  };
}
