import {
  type CallbackOutbox,
  hasCallbackOutbox,
  type QueueNamespace,
  type QueueObserver,
  reportsRescues,
} from "@task-queue/queue-core";
import type { EventNamesOption } from "./event-names.js";
import type { EventStore } from "./event-store.js";
import { QueueWithEvents, type QueueWithEventsOptions } from "./queue-with-events.js";

/** A QueueNamespace whose queues record their events; each queue's events carry its name (data.queue). */
export interface QueueNamespaceWithEvents extends QueueNamespace {
  queue(name: string): QueueWithEvents;
  /** The inner namespace's callback outbox, when it has one. */
  callbackOutbox?: CallbackOutbox;
  /** The inner namespace's rescue reports, when it makes them (ReportsRescues). */
  observeRescues?: (observer: QueueObserver) => void;
}

/** Wraps every queue of a namespace in a QueueWithEvents, all writing to one store. */
export function withEvents(
  namespace: QueueNamespace,
  store: EventStore,
  names: EventNamesOption,
  options: Omit<QueueWithEventsOptions, "queueName"> = {},
): QueueNamespaceWithEvents {
  const wrapped = new Map<string, QueueWithEvents>();
  return {
    queue(name) {
      let queue = wrapped.get(name);
      if (!queue) {
        queue = new QueueWithEvents(namespace.queue(name), store, names, { ...options, queueName: name });
        wrapped.set(name, queue);
      }
      return queue;
    },
    listQueues: () => namespace.listQueues(),
    close: () => namespace.close(),
    ...(hasCallbackOutbox(namespace) ? { callbackOutbox: namespace.callbackOutbox } : {}),
    ...(reportsRescues(namespace)
      ? { observeRescues: (observer: QueueObserver) => namespace.observeRescues(observer) }
      : {}),
  };
}
