// Bridge for the Python tests: the page's own static/src/grading/hidden-program.js, driven over stdin/stdout.
// In: {"build": {language, code, checks, nonce}} -> the program's text;
//     {"read": {output, nonce, ending}} -> the results as JSON.
import { readFileSync } from "node:fs";
import { hiddenProgram, readHiddenResults } from "../../static/src/grading/hidden-program.js";

const asked = JSON.parse(readFileSync(0, "utf8"));
if (asked.build) {
  const { language, code, checks, nonce } = asked.build;
  process.stdout.write(hiddenProgram(language, code, checks, nonce));
} else {
  const { output, nonce, ending } = asked.read;
  process.stdout.write(JSON.stringify(readHiddenResults(output, nonce, ending)));
}
