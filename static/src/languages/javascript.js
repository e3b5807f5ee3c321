// JavaScript: highlighted by @codemirror/lang-javascript, run in a sandboxed module worker.
import { javascript as javascriptSupport } from "@codemirror/lang-javascript";

export const javascript = {
  id: "javascript",
  label: "JavaScript",
  fileExtension: ".js",
  workerUrl: "/static/dist/js-worker.js",
  indentUnit: "  ",
  highlight: () => javascriptSupport(),
  // A busy loop cannot be interrupted: Stop terminates the worker and starts a fresh one (instantly).
  interruptible: false,
  interactiveInput: false, // prompt() reads the Input box only
  inputReader: "prompt()",
  loadingText: "Starting JavaScript…",
};
