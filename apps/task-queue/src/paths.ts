import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root when running from a checkout (apps/task-queue/dist/… → ../../..). */
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

/** The example scripts `dev` runs by default: examples/scripts of the checkout. */
export const EXAMPLE_SCRIPTS_DIR = resolve(repoRoot, "examples/scripts");
