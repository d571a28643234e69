import { propagation, ROOT_CONTEXT, trace } from "@opentelemetry/api";
import { afterEach, describe, expect, it } from "vitest";
import { InMemoryQueue, traceQueue, tracingOff } from "../src/index.js";

describe("tracingOff: the fast path taken while no OpenTelemetry SDK is registered", () => {
  afterEach(() => {
    trace.disable();
    propagation.disable();
  });

  it("is on without a tracer provider or propagator, off as soon as either is registered", () => {
    expect(tracingOff()).toBe(true);
    const provider = { getTracer: () => trace.getTracer("unused") };
    expect(trace.setGlobalTracerProvider(provider)).toBe(true);
    expect(tracingOff()).toBe(false);
    trace.disable();
    expect(tracingOff()).toBe(true);
    // A propagator alone carries a caller's trace context into the queue (stored with put items): not off either.
    propagation.setGlobalPropagator({
      inject: () => {},
      extract: () => ROOT_CONTEXT,
      fields: () => ["traceparent"],
    });
    expect(tracingOff()).toBe(false);
  });

  it("a traced queue answers the same with tracing off: values, and errors as rejections", async () => {
    const queue = traceQueue(new InMemoryQueue(), "q");
    expect(tracingOff()).toBe(true);
    expect(await queue.put({ a: 1 })).toEqual({ added: ["a"], skipped: [] });
    expect(await queue.get(1)).toEqual([["a", 1]]);
    await expect(queue.success("missing")).rejects.toMatchObject({ code: "ITEM_NOT_FOUND" });
  });
});
