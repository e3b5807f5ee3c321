// Runs TypeScript as the page's TypeScript worker does: types stripped by the page's own ts-transform.js, the
// rest run as the body of an async function in sloppy mode. Code on stdin; exits 1 with the error on stderr.
import { readFileSync } from "node:fs";
import { stripTypes } from "../../static/src/ts-transform.js";

const AsyncFunction = (async () => {}).constructor;
try {
  await new AsyncFunction(stripTypes(readFileSync(0, "utf8")).code)();
} catch (error) {
  console.error(error);
  process.exit(1);
}
