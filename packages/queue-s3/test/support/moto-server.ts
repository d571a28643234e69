import { S3Client } from "@aws-sdk/client-s3";
import type { S3ConnectionOptions } from "../../src/index.js";
import { MOTO_CREDENTIALS, MOTO_REGION, type RunningMoto } from "../../src/testing/index.js";

export {
  MOTO_CREDENTIALS,
  type MotoAvailability,
  motoAvailability,
  type RunningMoto,
  startMotoServer,
} from "../../src/testing/index.js";

/** A raw client for the moto server (checks behind the queue's back). */
export function motoClient(endpoint: string): S3Client {
  return new S3Client({ endpoint, region: MOTO_REGION, forcePathStyle: true, credentials: MOTO_CREDENTIALS });
}

/** Connection options for a queue at `s3://<bucket>/<prefix>` on the moto server. */
export function motoConnection(moto: RunningMoto, prefix: string): S3ConnectionOptions {
  return {
    basePath: `s3://${moto.bucket}/${prefix}`,
    endpoint: moto.endpoint,
    region: MOTO_REGION,
    forcePathStyle: true,
    credentials: MOTO_CREDENTIALS,
  };
}

/** A client that, once armed, holds the first request of `command` on a key containing `part` until released. */
export function holdingClient(
  endpoint: string,
  command: string,
  part: string,
): { client: S3Client; arm(): Promise<void>; release(): void } {
  const client = motoClient(endpoint);
  let armed = false;
  let reached: () => void = () => {};
  let release: () => void = () => {};
  let released = Promise.resolve();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const key = (args.input as { Key?: string }).Key ?? "";
      if (armed && context.commandName === command && key.includes(part)) {
        armed = false;
        reached();
        await released;
      }
      return next(args);
    },
    { step: "initialize", name: "holdWrite" },
  );
  return {
    client,
    arm(): Promise<void> {
      armed = true;
      released = new Promise<void>((resolve) => {
        release = resolve;
      });
      return new Promise<void>((resolve) => {
        reached = resolve;
      });
    },
    release: () => release(),
  };
}
