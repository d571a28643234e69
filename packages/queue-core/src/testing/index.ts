import { describe, it } from "vitest";
import type { Queue } from "../queue.js";
import { callbackCases } from "./callback-cases.js";
import {
  type ConformanceCase,
  type ConformanceOptions,
  conformanceCases,
  EVERY_CAPABILITY,
  type QueueCapabilities,
} from "./cases.js";
import { lifecycleCases } from "./lifecycle-cases.js";
import { purgeCases } from "./purge-cases.js";
import { statsCases } from "./stats-cases.js";

export { type CallbackReceiver, type ReceivedCallback, startCallbackReceiver } from "./callback-receiver.js";
export { underCI } from "./ci.js";
export { DummyWorker } from "./dummy-worker.js";
export { WaitObservedQueue } from "./observed-queue.js";
export {
  type ExampleRun,
  type ReadmeBlock,
  readmeBlocks,
  readmeExampleMismatches,
  runExample,
} from "./readme-examples.js";
export { type LogRecord, recordingLogger } from "./recording-logger.js";
export { type SuiteFailure, suiteFailure } from "./suite-failure.js";
export {
  type ConformanceCase,
  type ConformanceOptions,
  conformanceCases,
  EVERY_CAPABILITY,
  lifecycleCases,
  purgeCases,
  type QueueCapabilities,
  statsCases,
};

/** Makes a fresh, empty queue for one case; the suite closes it after the case. */
export type QueueFactory = () => Queue | Promise<Queue>;

export interface RunOptions extends ConformanceOptions {
  /** Timeout of each case in ms (default 60 s, for shared CI machines; slow cases get three times as long). */
  timeoutMs?: number;
}

/**
 * Registers the queue conformance suite with vitest: one test per case, each on a fresh queue. A case that needs
 * a capability the backend does not declare is registered as skipped, so the report shows what was not checked.
 */
export function runQueueConformance(
  label: string,
  factory: QueueFactory,
  capabilities: QueueCapabilities,
  options: RunOptions,
): void {
  const resolved: Required<ConformanceOptions> = {
    implementation: options.implementation,
    largeBatchSize: options.largeBatchSize ?? 10_000,
    concurrencyItems: options.concurrencyItems ?? 1_000,
  };
  const timeout = options.timeoutMs ?? 60_000;
  describe(`${label}: queue conformance`, () => {
    for (const testCase of [
      ...conformanceCases,
      ...lifecycleCases,
      ...purgeCases,
      ...statsCases,
      ...callbackCases,
    ]) {
      if (testCase.requires && !capabilities[testCase.requires]) {
        it.skip(`${testCase.name} [backend declares no ${testCase.requires}]`, () => {});
        continue;
      }
      it(
        testCase.name,
        async () => {
          const queue = await factory();
          try {
            await testCase.run(queue, resolved);
          } finally {
            await queue.close();
          }
        },
        testCase.slow ? timeout * 3 : timeout,
      );
    }
  });
}
