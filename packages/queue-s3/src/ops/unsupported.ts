import { InvalidArgument, type NewJob, type ValidJob } from "@task-queue/queue-core";

/**
 * Why S3Queue refuses a job's options, or null. It has no priorities and no delays (get would have to list and read
 * whole stages to honour them), and an option it cannot honour is refused rather than ignored: a priority other
 * than 0, a delaySeconds above 0, a runAfter in the future. `jobs` are the caller's, to name the option given.
 */
export function unsupportedJobOption(
  job: ValidJob,
  jobs: readonly NewJob[],
  now: Date,
): InvalidArgument | null {
  const id = JSON.stringify(job.id);
  if (job.priority !== 0) {
    return new InvalidArgument(
      "priority",
      `S3Queue has no priorities (hand-out is in key order); item ${id} asks for priority ${job.priority}, only 0 is accepted`,
    );
  }
  if (job.runAfter !== null && job.runAfter.getTime() > now.getTime()) {
    const given = jobs.find((candidate) => candidate.id === job.id);
    const option = given?.runAfter !== undefined ? "runAfter" : "delaySeconds";
    return new InvalidArgument(
      option,
      `S3Queue has no delays (items cannot be held back without listing whole stages); item ${id} asks to wait until ${job.runAfter.toISOString()}`,
    );
  }
  if (job.notifyUrl !== null) {
    return new InvalidArgument(
      "notifyUrl",
      `S3Queue delivers no completion callbacks (a move and an outbox record cannot be written atomically); item ${id} asks for one: use a SQL queue`,
    );
  }
  return null;
}
