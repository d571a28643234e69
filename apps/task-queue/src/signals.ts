/** Calls each handler when its signal arrives; returns a function that removes them again. */
export function onSignals(handlers: Partial<Record<NodeJS.Signals, () => void>>): () => void {
  const entries = Object.entries(handlers) as Array<[NodeJS.Signals, () => void]>;
  for (const [signal, handler] of entries) process.on(signal, handler);
  return () => {
    for (const [signal, handler] of entries) process.off(signal, handler);
  };
}

export interface StopSignal {
  /** Resolves at the first SIGTERM, SIGINT or SIGQUIT, with the signal's name. */
  stopped: Promise<NodeJS.Signals>;
  /** Stops listening (a command that failed to start must not keep swallowing SIGTERM). */
  remove(): void;
}

/** Listens for the first SIGTERM, SIGINT or SIGQUIT (graceful stop; SIGQUIT no longer kills at once). */
export function stopSignal(): StopSignal {
  let remove = (): void => {};
  const stopped = new Promise<NodeJS.Signals>((resolve) => {
    const stop = (signal: NodeJS.Signals) => () => {
      remove();
      keepAliveDuringShutdown();
      resolve(signal);
    };
    remove = onSignals({ SIGTERM: stop("SIGTERM"), SIGINT: stop("SIGINT"), SIGQUIT: stop("SIGQUIT") });
  });
  return { stopped, remove: () => remove() };
}

/** A second stop signal during shutdown must not kill the process half way: ignore it, say so. */
function keepAliveDuringShutdown(): void {
  const note = (): void => {
    process.stderr.write("task-queue: already stopping; waiting for work in flight to finish\n");
  };
  process.on("SIGTERM", note);
  process.on("SIGINT", note);
  process.on("SIGQUIT", note);
}
