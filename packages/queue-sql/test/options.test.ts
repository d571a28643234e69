import { InvalidArgument } from "@task-queue/queue-core";
import { describe, expect, it } from "vitest";
import { openSqlQueue } from "../src/index.js";

describe("bad options are refused with InvalidArgument naming the option as the caller spelled it", () => {
  it("poolSize", async () => {
    const opening = openSqlQueue({ connection: "postgres://127.0.0.1:1/none", poolSize: 0 });
    await expect(opening).rejects.toThrow(InvalidArgument);
    await expect(opening).rejects.toMatchObject({ name: "InvalidArgument", argument: "poolSize" });
  });

  it("tableName", async () => {
    const opening = openSqlQueue({ tableName: "Bad-Name" });
    await expect(opening).rejects.toMatchObject({ name: "InvalidArgument", argument: "tableName" });
  });
});
