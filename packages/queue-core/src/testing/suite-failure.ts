import { AssertionError } from "node:assert";

/** How a conformance case failed: its assertion's message and, for comparisons, both sides. */
export interface SuiteFailure {
  message: string;
  actual: unknown;
  expected: unknown;
}

/** A stack frame in a conformance suite's cases (queue-core's or queue-events' src/testing/cases.ts). */
const SUITE_FRAME = /[/\\]testing[/\\]cases\.(ts|js):\d+/;

/**
 * Runs a conformance case that must fail (a self-test feeding it a broken implementation) and returns the failure,
 * after checking that it is the suite's own assertion — node:assert, raised in the suite's cases — and not some
 * other error on the way (a crash, a type error), which would prove nothing about the case.
 */
export async function suiteFailure(run: () => Promise<void>): Promise<SuiteFailure> {
  try {
    await run();
  } catch (error) {
    if (!(error instanceof AssertionError)) {
      throw new Error(`the case failed, but not on one of its assertions: ${String(error)}`, {
        cause: error,
      });
    }
    if (!SUITE_FRAME.test(error.stack ?? "")) {
      throw new Error(`the assertion that failed is not the suite's own: ${error.stack}`, { cause: error });
    }
    return { message: error.message, actual: error.actual, expected: error.expected };
  }
  throw new Error("the case passed an implementation it should have failed");
}
