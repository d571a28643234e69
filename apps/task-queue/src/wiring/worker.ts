import { InvalidArgument, type Logger, type QueueWorker } from "@task-queue/queue-core";
import { ArgoWorkflowsWorker } from "@task-queue/worker-argo";
import { ProcessWorker } from "@task-queue/worker-process";
import { CliError, EXIT_USAGE } from "../cli.js";
import type { Settings } from "../config/schema.js";

/**
 * The worker the configuration names (the schema has checked that its settings are present). A setting the worker
 * rejects (a missing scripts folder, credentials in the Argo endpoint) is a configuration error: exit code 2.
 */
export function createWorker(settings: Settings, logger: Logger): QueueWorker {
  try {
    return configuredWorker(settings, logger);
  } catch (error) {
    if (error instanceof InvalidArgument) throw new CliError(error.message, EXIT_USAGE);
    throw error;
  }
}

function configuredWorker(settings: Settings, logger: Logger): QueueWorker {
  if (settings.worker_interface === "argo-workflows") {
    return new ArgoWorkflowsWorker({
      serverUrl: settings.endpoint!,
      namespace: settings.namespace,
      interfaceId: settings.worker_interface_id!,
      ...(settings.argo_token ? { token: settings.argo_token.replace(/^Bearer\s+/i, "") } : {}),
      ...(settings.argo_insecure_skip_verify ? { tls: { insecureSkipVerify: true } } : {}),
      ...(settings.argo_ca_file ? { tls: { caFile: settings.argo_ca_file } } : {}),
      logger,
    });
  }
  return new ProcessWorker({
    scriptsDir: settings.path_to_scripts!,
    interpreters: settings.process_interpreters,
    failOnStderr: settings.process_fail_on_stderr,
    ...(settings.process_timeout_seconds ? { timeoutMs: settings.process_timeout_seconds * 1000 } : {}),
    logger,
  });
}
