// TypeScript: highlighted by @codemirror/lang-javascript in its TypeScript mode (loaded on demand), run in a
// worker of its own (ts-worker.js) that strips the types with sucrase and runs the rest in the JavaScript
// sandbox; ts-transform.js's header says why sucrase. Types are not checked (docs/LANGUAGES.md says why).
import { workerUrl } from "./worker-urls.js";

export const typescript = {
  id: "typescript",
  label: "TypeScript",
  fileExtension: ".ts",
  workerUrl: () => workerUrl("typescript"),
  indentUnit: "  ",
  loadSupport: () => import("./typescript-support.js"),
  interruptible: false, // as JavaScript: Stop terminates the worker and starts a fresh one
  interactiveInput: false, // prompt() reads the Input box only
  inputReader: "prompt()",
  loadingText: "Starting TypeScript…",
};
