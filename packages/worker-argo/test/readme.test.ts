import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { QueueItemStage } from "@task-queue/queue-core";
import { readmeExampleMismatches, runExample } from "@task-queue/queue-core/testing";
import { expect, it } from "vitest";
import { ArgoEmulator } from "../src/testing/index.js";
import { selfSignedCertificate } from "./support/certificate.js";

// emulator.test.ts, the README's emulator example, is a test file of its own: vitest runs it as it stands.

it("the README's blocks are their example files, byte for byte", async () => {
  expect(await readmeExampleMismatches(new URL("../README.md", import.meta.url))).toEqual([]);
});

// The example runs against the Argo emulator over HTTPS on loopback: the emulator's URL replaces
// https://argo-server.argo:2746, and a token file and a CA made here (openssl, a certificate for 127.0.0.1) replace
// the service account's token and /etc/argo/ca.pem.
it("the usage example submits, polls and deletes a workflow on the emulator over TLS", async () => {
  const dir = await mkdtemp(join(tmpdir(), "readme-argo-"));
  const { key, cert } = selfSignedCertificate(dir);
  const token = join(dir, "token");
  await writeFile(token, "readme-token");
  const argo = await ArgoEmulator.start({
    token: "readme-token",
    tls: { key: await readFile(key, "utf8"), cert: await readFile(cert, "utf8") },
  });
  try {
    argo.addWorkflowTemplate("echo-item", ["message"]);
    const { logs } = await runExample(new URL("./readme/usage.ts", import.meta.url), [
      ["https://argo-server.argo:2746", argo.url],
      ["/var/run/secrets/kubernetes.io/serviceaccount/token", token],
      ["/etc/argo/ca.pem", cert],
    ]);
    expect(logs).toEqual([[new Map([["item-1", QueueItemStage.PROCESSING]]), undefined]]);
    expect(argo.workflows()).toEqual([]);
    expect(argo.mismatches).toEqual([]);
  } finally {
    await argo.close();
    await rm(dir, { recursive: true, force: true });
  }
});
