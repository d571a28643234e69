import { InMemoryEventStore } from "../src/index.js";
import { runEventStoreConformance } from "../src/testing/index.js";

runEventStoreConformance("InMemoryEventStore", () => ({ store: new InMemoryEventStore() }));
