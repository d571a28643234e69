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
