export { decodeId, encodeId } from "./key-codec.js";
export { S3LeaderElection, type S3LeaderElectionOptions } from "./leader-election.js";
export { DEFAULT_MAX_PARALLEL, type S3ConnectionOptions, type S3QueueOptions } from "./options.js";
export { parseS3Path, type S3Location } from "./s3-path.js";
export { S3Queue } from "./s3-queue.js";
export { S3QueueNamespace, type S3QueueNamespaceOptions } from "./s3-queue-namespace.js";
