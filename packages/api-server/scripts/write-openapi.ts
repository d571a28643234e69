// Writes the OpenAPI document of createApp to resources/openapi.json, the contract the client is generated from.
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { InMemoryQueueNamespace } from "@task-queue/queue-core";
import { createApp, openApiDocument } from "../src/index.js";
import { serializeOpenApi } from "../src/openapi-file.js";

const target = fileURLToPath(new URL("../../../resources/openapi.json", import.meta.url));
writeFileSync(target, serializeOpenApi(openApiDocument(createApp({ queues: new InMemoryQueueNamespace() }))));
console.log(`wrote ${target}`);
