/** The S3 endpoint the tests run against: an s3rver child process, or any store named by TEST_S3_* variables. */
export interface S3Target {
  endpoint: string;
  bucket: string;
  region: string;
  forcePathStyle: boolean;
  /** Null: use the SDK's default credential chain (AWS_* variables, profiles). */
  credentials: { accessKeyId: string; secretAccessKey: string } | null;
  /** "s3rver" when the tests started their own server. */
  kind: "s3rver" | "external";
}

declare module "vitest" {
  export interface ProvidedContext {
    s3Target: S3Target;
  }
}
