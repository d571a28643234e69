import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The folder of this package (dist/… → ..): the checkout's apps/task-queue, or node_modules/@task-queue/cli. */
const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** The example scripts `dev` runs by default; they ship in the package (files: examples). */
export const EXAMPLE_SCRIPTS_DIR = resolve(packageRoot, "examples/scripts");

/** The example items that `dev` suggests putting. */
export const EXAMPLE_ITEMS_FILE = resolve(packageRoot, "examples/items.json");
