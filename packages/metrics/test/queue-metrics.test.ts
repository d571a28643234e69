import { InMemoryQueueNamespace, observeNamespace } from "@task-queue/queue-core";
import { describe, expect, it } from "vitest";
import { ControllerMetrics, ServerMetrics } from "../src/index.js";

const value = (text: string, series: string): number | undefined => {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

describe("QueueMetrics fed by observeNamespace", () => {
  it("counts each put and move once, per queue, and measures hand-out → end", async () => {
    const raw = new InMemoryQueueNamespace();
    const metrics = new ServerMetrics(raw, "default");
    const queues = observeNamespace(raw, metrics);
    const jobs = queues.queue("jobs");
    await jobs.putJobs([
      { id: "a", body: 1 },
      { id: "b", body: 2, maxAttempts: 2 },
      { id: "c", body: 3 },
    ]);
    await jobs.put({ a: 9 }); // exists: not counted
    const taken = await jobs.getJobs(2);
    expect(taken.map((j) => j.itemId)).toEqual(["a", "b"]);
    await jobs.success("a");
    expect(await jobs.fail("b", { reason: "boom", retryDelaySeconds: 0 })).toBe("WAITING");
    await jobs.cancel("c");
    metrics.observeRequest("GET", "/healthz", 200, 0.002);

    const text = await metrics.render();
    expect(value(text, 'task_queue_items_put_total{queue="jobs"}')).toBe(3);
    expect(value(text, 'task_queue_items_handed_out_total{queue="jobs"}')).toBe(2);
    expect(value(text, 'task_queue_items_succeeded_total{queue="jobs"}')).toBe(1);
    expect(value(text, 'task_queue_items_retried_total{queue="jobs"}')).toBe(1);
    expect(value(text, 'task_queue_items_cancelled_total{queue="jobs"}')).toBe(1);
    expect(value(text, 'task_queue_job_duration_seconds_count{queue="jobs",outcome="success"}')).toBe(1);
    expect(value(text, 'task_queue_job_duration_seconds_count{queue="jobs",outcome="retry"}')).toBe(1);
    expect(value(text, 'task_queue_items{queue="jobs",stage="WAITING"}')).toBe(1);
    expect(value(text, 'task_queue_items{queue="default",stage="WAITING"}')).toBe(0);
    expect(value(text, 'task_queue_oldest_waiting_age_seconds{queue="jobs"}')).toBeGreaterThanOrEqual(0);
    expect(value(text, 'task_queue_http_requests_total{method="GET",route="/healthz",status="200"}')).toBe(1);
    expect(text).toContain("# TYPE process_cpu_user_seconds_total counter");
  });

  it("ControllerMetrics times a tick and counts its report; leader is read at scrape time", async () => {
    const metrics = new ServerMetrics(new InMemoryQueueNamespace(), "default");
    let leading = false;
    const controller = new ControllerMetrics(metrics, { queue: "jobs", leading: () => leading });
    expect(value(await metrics.render(), 'task_queue_controller_leader{queue="jobs"}')).toBe(0);
    leading = true;
    await controller.timeTick(async () => ({ released: 3, lost: 1, sendFailed: 0, paused: true }));
    const text = await metrics.render();
    expect(value(text, 'task_queue_controller_leader{queue="jobs"}')).toBe(1);
    expect(value(text, 'task_queue_controller_released_total{queue="jobs"}')).toBe(3);
    expect(value(text, 'task_queue_controller_lost_total{queue="jobs"}')).toBe(1);
    expect(value(text, 'task_queue_controller_paused{queue="jobs"}')).toBe(1);
    expect(value(text, "task_queue_controller_tick_duration_seconds_count")).toBe(1);
    expect(value(text, "task_queue_controller_last_tick_timestamp_seconds")).toBeGreaterThan(
      Date.now() / 1000 - 60,
    );
  });
});
