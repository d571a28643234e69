import { ApiClient } from "@task-queue/api-client";
import { nodeFetch } from "@task-queue/api-client/node";

const fetch = nodeFetch(); // { maxSockets } optional: connections per server, default no limit (as fetch)
const client = new ApiClient({ baseUrl: "http://127.0.0.1:8000", fetch });
await client.put({ "job-1": { file: "a.png" } });
console.log(await client.sizes());
fetch.close(); // ends the idle connections (they never keep the process alive)
