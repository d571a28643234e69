import { itemIdProblem, type StageName } from "@task-queue/queue-core";
import { decodeId, encodeId, MAX_ENCODED_SUFFIX_BYTES } from "./key-codec.js";
import { joinKey } from "./s3-path.js";

/** S3's limit on a key's length in UTF-8 bytes. */
export const MAX_KEY_BYTES = 1024;

/** The folder of put's id markers: shorter than any stage name, so keys stay within maxKeyBytes. */
const ID_MARKERS = ".tq-ids";

/** Where one queue keeps its items: `<prefix>/<STAGE>/<encoded id>.json`. */
export class QueueLayout {
  constructor(readonly prefix: string) {}

  /** The longest key this queue can write: the prefix must leave room for any valid id. */
  maxKeyBytes(): number {
    return Buffer.byteLength(this.stagePrefix("PROCESSING"), "utf8") + MAX_ENCODED_SUFFIX_BYTES;
  }

  stagePrefix(stage: StageName): string {
    return `${joinKey(this.prefix, stage)}/`;
  }

  key(stage: StageName, id: string): string {
    return this.stagePrefix(stage) + encodeId(id);
  }

  /** The id marker of put (ops/id-index.ts): an empty object that says the id was put and not deleted since. */
  markerKey(id: string): string {
    return `${joinKey(this.prefix, ID_MARKERS)}/${encodeId(id)}`;
  }

  /** Present when every item of the queue has its marker (ops/id-index.ts). */
  markersCompleteKey(): string {
    return `${joinKey(this.prefix, ID_MARKERS)}/.complete`;
  }

  /** The queue's settings object (ops/settings.ts); its name can never be a queue or stage name. */
  settingsKey(): string {
    return joinKey(this.prefix, ".task-queue-settings.json");
  }

  /** The leading controller's last status (ops/settings.ts), beside the settings and named like them. */
  controllerStatusKey(): string {
    return joinKey(this.prefix, ".task-queue-controller.json");
  }

  /** The id an object key under this stage stands for; null for keys this queue would not have written. */
  idOf(stage: StageName, key: string): string | null {
    const prefix = this.stagePrefix(stage);
    if (!key.startsWith(prefix)) return null;
    const id = decodeId(key.slice(prefix.length));
    return id !== null && itemIdProblem(id) === null ? id : null;
  }
}
