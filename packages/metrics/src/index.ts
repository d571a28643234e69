export { ControllerMetrics, type ControllerMetricsOptions, type TickCounts } from "./controller-metrics.js";
export { QueueMetrics, type QueueMetricsOptions } from "./queue-metrics.js";
export { ServerMetrics } from "./server-metrics.js";
