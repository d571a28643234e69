import { z } from "@hono/zod-openapi";
import { canPause, type Queue, readControllerStatusJson } from "@task-queue/queue-core";
import { pauseNotStored } from "../http-errors.js";
import { ControllerStatusWire } from "../schemas.js";
import { type QueueRoute, queueRoute } from "./queue-route.js";

const PauseState = z.object({ paused: z.boolean() }).openapi("PauseState");

const ControllerState = z
  .object({
    controller: ControllerStatusWire.nullable().openapi({
      description:
        "The status the leading controller recorded at its last tick; null when none ever did (or the backend stores none)",
    }),
  })
  .openapi("ControllerState");

async function setPaused(queue: Queue, paused: boolean): Promise<{ paused: boolean }> {
  if (!canPause(queue)) throw pauseNotStored();
  await queue.setPaused(paused);
  return { paused };
}

/**
 * Pause and resume releasing: a flag stored with the queue that every controller reads before it releases; and
 * what the leading controller last said of itself (the `controller` field of GET /api/v1/queues, for one queue).
 */
export function pauseOperations(): QueueRoute[] {
  return [
    queueRoute({
      operationId: "controllerStatus",
      method: "get",
      path: "controller",
      summary:
        "The status the queue's leading controller recorded at its last tick (last tick, leader, paused, stale)",
      description: "`controller` is null when no controller ever ticked, or the backend stores no status.",
      response: { schema: ControllerState, description: "The last recorded status" },
      handle: async ({ queue }) => ({ controller: await readControllerStatusJson(queue) }),
    }),
    queueRoute({
      operationId: "pauseState",
      method: "get",
      path: "pause",
      summary: "Whether releasing this queue's items is paused",
      description: "404 when the backend stores no queue settings.",
      response: { schema: PauseState, description: "The stored state" },
      errors: [404],
      handle: async ({ queue }) => {
        if (!canPause(queue)) throw pauseNotStored();
        return { paused: await queue.isPaused() };
      },
    }),
    queueRoute({
      operationId: "pause",
      method: "post",
      path: "pause",
      summary: "Pause releasing: controllers release none of this queue's items until resumed",
      description:
        "Items already PROCESSING are still followed to the end, and get still hands items to consumers that ask. " +
        "404 when the backend stores no queue settings.",
      response: { schema: PauseState, description: "The stored state" },
      errors: [404],
      handle: ({ queue }) => setPaused(queue, true),
    }),
    queueRoute({
      operationId: "resume",
      method: "post",
      path: "resume",
      summary: "Resume releasing this queue's items",
      response: { schema: PauseState, description: "The stored state" },
      errors: [404],
      handle: ({ queue }) => setPaused(queue, false),
    }),
  ];
}
