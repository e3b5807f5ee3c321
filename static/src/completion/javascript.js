// JavaScript and TypeScript completions beyond lang-javascript's own (its keywords, snippets and the document's
// names): the language's standard globals, with their members after a dot (`Math.fl` -> floor), and the keywords
// it leaves out. The globals are a curated object of the standard built-ins, never the page's window: that holds
// this page's own internals (`pad`, CodeMirror's views), which the candidate's code, run in a worker, never sees.
import { completionPath, scopeCompletionSource } from "@codemirror/lang-javascript";

/** @typedef {import("@codemirror/autocomplete").Completion} Completion */
/** @typedef {import("@codemirror/autocomplete").CompletionContext} CompletionContext */
/** @typedef {import("@codemirror/autocomplete").CompletionResult} CompletionResult */

// ECMAScript's global names, and what the runner's worker adds (console, timers, prompt() reading the Input box,
// the URL and text-encoding classes): js-sandbox.js takes the network and storage away.
const GLOBAL_NAMES = [
  "AggregateError", "Array", "ArrayBuffer", "Atomics", "BigInt", "BigInt64Array", "BigUint64Array", "Boolean",
  "DataView", "Date", "Error", "EvalError", "FinalizationRegistry", "Float32Array", "Float64Array", "Function",
  "Infinity", "Int16Array", "Int32Array", "Int8Array", "Intl", "Iterator", "JSON", "Map", "Math", "NaN", "Number",
  "Object", "Promise", "Proxy", "RangeError", "ReferenceError", "Reflect", "RegExp", "Set", "SharedArrayBuffer",
  "String", "Symbol", "SyntaxError", "TypeError", "URIError", "Uint16Array", "Uint32Array", "Uint8Array",
  "Uint8ClampedArray", "WeakMap", "WeakRef", "WeakSet", "decodeURI", "decodeURIComponent", "encodeURI",
  "encodeURIComponent", "isFinite", "isNaN", "parseFloat", "parseInt", "undefined",
  "AbortController", "TextDecoder", "TextEncoder", "URL", "URLSearchParams", "atob", "btoa", "clearInterval",
  "clearTimeout", "console", "performance", "prompt", "queueMicrotask", "setInterval", "setTimeout", "structuredClone",
];
// Keywords lang-javascript offers neither as a keyword nor as a snippet.
/** @type {Completion[]} */
const KEYWORDS = ["async", "await", "catch", "debugger", "else", "null", "of", "void"].map((label) => ({ label, type: "keyword" }));

/** The standard globals, by name: an object without a prototype, so nothing but these is offered at the top. */
export function standardGlobals(global = globalThis) {
  const scope = Object.create(null);
  for (const name of GLOBAL_NAMES) if (name in global) scope[name] = global[name];
  return scope;
}

/**
 * The source JavaScript and TypeScript add: the standard globals (members after a dot) and, at the top, keywords.
 * @returns {(context: CompletionContext) => CompletionResult | null}
 */
export function javascriptSource(global = globalThis) {
  const scope = scopeCompletionSource(standardGlobals(global));
  const withKeywords = new WeakMap(); // the globals' options (scope's own cached array) -> with the keywords
  return (context) => {
    const result = /** @type {CompletionResult | null} */ (scope(context));
    if (!result || completionPath(context)?.path.length !== 0) return result;
    let options = withKeywords.get(result.options);
    if (!options) withKeywords.set(result.options, (options = [...result.options, ...KEYWORDS]));
    return { ...result, options };
  };
}
