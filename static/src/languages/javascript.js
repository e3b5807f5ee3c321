// JavaScript: highlighted by @codemirror/lang-javascript (loaded on demand), run in a sandboxed module worker.
import { workerUrl } from "./worker-urls.js";

export const javascript = {
  id: "javascript",
  label: "JavaScript",
  fileExtension: ".js",
  workerUrl: () => workerUrl("javascript"),
  indentUnit: "  ",
  loadSupport: () => import("./javascript-support.js"),
  // A busy loop cannot be interrupted: Stop terminates the worker and starts a fresh one (instantly).
  interruptible: false,
  interactiveInput: false, // prompt() reads the Input box only
  inputReader: "prompt()",
  loadingText: "Starting JavaScript…",
};
