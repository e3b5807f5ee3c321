// Module worker that runs TypeScript: its types stripped here (ts-transform.js), then run in the JavaScript
// sandbox (js-sandbox.js), with stacks and syntax errors at the TypeScript's lines and columns. A worker of its
// own, so the JavaScript worker never carries the stripper.
import { startSandbox } from "./js-sandbox.js";
import { SOURCE_NAME, stripTypes } from "./ts-transform.js";

startSandbox({ sourceName: SOURCE_NAME, translateCode: stripTypes });
