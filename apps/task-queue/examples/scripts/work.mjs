#!/usr/bin/env node
// Pretends to work: `work.mjs <seconds> [succeed|fail]` waits, then exits 0 (succeed, the default) or 1 (fail).
const [secondsArg = "1", outcome = "succeed"] = process.argv.slice(2);
const seconds = Number(secondsArg);
if (!Number.isFinite(seconds) || seconds < 0 || !["succeed", "fail"].includes(outcome)) {
  console.error("usage: work.mjs <seconds> [succeed|fail]");
  process.exit(2);
}
console.log(`working for ${seconds}s, then ${outcome === "fail" ? "failing" : "succeeding"}`);
setTimeout(() => {
  console.log("done");
  process.exit(outcome === "fail" ? 1 : 0);
}, seconds * 1000);
