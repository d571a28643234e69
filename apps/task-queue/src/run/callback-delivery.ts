import {
  CallbackDeliverer,
  hasCallbackOutbox,
  type Logger,
  type QueueNamespace,
} from "@task-queue/queue-core";
import type { Settings } from "../config/schema.js";

/**
 * The server process delivers completion callbacks: servers are where the API runs and may be scaled out, and the
 * outbox claim (SKIP LOCKED with a lease) lets any number of them deliver side by side, while the controller is one
 * leader per queue and may not run at all (consumers that call get themselves). A backend without an outbox (S3)
 * starts nothing. Returns how to stop it.
 */
export function startCallbackDelivery(
  queues: QueueNamespace,
  settings: Settings,
  logger: Logger,
): { stop(): Promise<void> } {
  if (!hasCallbackOutbox(queues)) return { stop: async () => {} };
  const deliverer = new CallbackDeliverer({
    outbox: queues.callbackOutbox,
    allowedHosts: settings.callback_allowed_hosts,
    timeoutSeconds: settings.callback_timeout_seconds,
    horizonSeconds: settings.callback_retry_horizon_seconds,
    logger,
  });
  deliverer.start();
  return { stop: () => deliverer.stop() };
}
