import { InvalidArgument } from "@task-queue/queue-core";

/** The two event names a QueueWithEvents writes. */
export interface EventNames {
  add: string;
  move: string;
}

/** `{ base: "X" }` means X_ADD and X_MOVE; or name both, like the system we replace. */
export type EventNamesOption = { base: string } | EventNames;

export function resolveEventNames(option: EventNamesOption): EventNames {
  const names = "base" in option ? { add: `${option.base}_ADD`, move: `${option.base}_MOVE` } : option;
  for (const [key, value] of Object.entries(names)) {
    if (typeof value !== "string" || value.length === 0) {
      throw new InvalidArgument(`names.${key}`, "must be a non-empty string");
    }
  }
  if (names.add === names.move) throw new InvalidArgument("names", "add and move must differ");
  return { add: names.add, move: names.move };
}
