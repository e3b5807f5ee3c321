// Python completions: the language's keywords and builtins, the document's own names (lang-python's global and
// local sources, which languages/python-support.js leaves to this module), and the standard library's modules and
// their members, from an index made at build time from Pyodide's own standard library (build-python-index.mjs),
// with signatures and one-line summaries.
//
// Why an index and not Jedi in Pyodide: Pyodide's npm package carries no wheels (its pyodide-lock.json names
// jedi-0.19.2, which lives on its CDN; we fetch nothing from outside), and Jedi would have to run in the Python
// worker, which may be busy for seconds running the candidate's code (or waiting on input()), or in a second
// Pyodide worker (another 2-3 s start and ~30 MB) with typeshed stubs to parse before its first answer. The index
// is ~60 kB brotli, loaded once on the first completion, and every answer after that is a lookup in the page.
// What it cannot do is infer types: `x = Counter(); x.` offers nothing (the document's names still come); a
// literal's type it can: `", ".jo` offers str.join.
import { syntaxTree } from "@codemirror/language";
import { globalCompletion, localCompletionSource } from "@codemirror/lang-python";

/** @typedef {import("@codemirror/autocomplete").Completion} Completion */
/** @typedef {import("@codemirror/autocomplete").CompletionContext} CompletionContext */
/** @typedef {import("@codemirror/autocomplete").CompletionResult} CompletionResult */
/** @typedef {[string, string?, string?, string?]} Entry kind (f c m v), detail, summary, ref (build-python-index.mjs) */
/**
 * @typedef {{python: string, keywords: string[], modules: Record<string, string>,
 *   members: Record<string, Record<string, Entry>>, bases: Record<string, string[]>}} PythonIndex
 */
/** @typedef {{module: string, name?: string}} Binding `import m` binds {module: "m"}; `from m import n`, {module, name} */

const WORD = /^\w*$/;
/** @type {PythonIndex} */
const EMPTY_INDEX = { python: "", keywords: [], modules: {}, members: { builtins: {} }, bases: {} };
const NO_COMPLETION = new Set(["String", "FormatString", "Comment"]);

/**
 * What the document's import statements bind: local name -> {module} (import m, import m as n) or {module, name}
 * (from m import name [as n]); `star` lists the modules of `from m import *`. Relative imports are left out.
 * @param {import("@codemirror/state").EditorState} state
 */
export function importBindings(state) {
  /** @type {Map<string, Binding>} */
  const names = new Map();
  /** @type {string[]} */
  const star = [];
  syntaxTree(state).iterate({
    enter: (node) => {
      if (node.name !== "ImportStatement") return true;
      const text = state.sliceDoc(node.from, node.to);
      for (const [local, binding] of parseImport(text)) {
        if (local === "*") star.push(binding.module);
        else names.set(local, binding);
      }
      return false;
    },
  });
  return { names, star };
}

/**
 * The names one import statement's text binds, as [local name, binding] pairs ("*" for a star import).
 * @param {string} text
 * @returns {[string, Binding][]}
 */
export function parseImport(text) {
  const code = text.replace(/#[^\n]*/g, "").replace(/\\\n/g, " ").replace(/[()]/g, " ");
  const from = /^\s*from\s+([\w.]+)\s+import\s+([\s\S]*)$/.exec(code);
  const clauses = (from ? from[2] : code.replace(/^\s*import\s+/, "")).split(",").map((clause) => clause.trim().split(/\s+/));
  /** @type {[string, Binding][]} */
  const bound = [];
  if (from && from[1].startsWith(".")) return bound;
  if (!from && !/^\s*import\s/.test(code)) return bound;
  for (const words of clauses) {
    const [name, as, alias] = words;
    if (!name || !/^[\w.*]+$/.test(name)) continue;
    const local = as === "as" && alias ? alias : null;
    if (from) bound.push([local ?? name, name === "*" ? { module: from[1] } : { module: from[1], name }]);
    else if (local) bound.push([local, { module: name }]);
    else bound.push([name.split(".")[0], { module: name.split(".")[0] }]);
  }
  return bound;
}

/**
 * The CodeMirror type of an index entry (`inClass`: a class's own names).
 * @param {string} name
 * @param {Entry} entry
 * @param {boolean} inClass
 */
function typeOf(name, [kind, detail = ""], inClass) {
  if (kind === "f") return inClass ? "method" : "function";
  if (kind === "c") return "class";
  if (kind === "m") return "namespace";
  if (inClass) return "property";
  return /^[A-Z][A-Z0-9_]*$/.test(name) || /^(int|float|complex) = /.test(detail) ? "constant" : "variable";
}

/**
 * A completion's info: the signature (or value) on its own line, then the summary. Built only when shown.
 * @param {string} label
 * @param {Entry} entry
 */
function infoOf(label, [kind, detail = "", summary = ""]) {
  const heading = kind === "f" || kind === "c" ? `${label}${detail}` : detail ? `${label}: ${detail}` : "";
  if (!heading && !summary) return undefined;
  return () => {
    const box = document.createElement("div");
    box.className = "cm-completion-python";
    if (heading) box.appendChild(document.createElement("code")).textContent = heading;
    if (summary) box.appendChild(document.createElement("div")).textContent = summary;
    return box;
  };
}

/**
 * The completion source of the index `load()` gives (a promise, asked on the first completion only).
 * @param {() => Promise<PythonIndex>} load
 * @returns {(context: CompletionContext) => CompletionResult | null | Promise<CompletionResult | null>}
 */
export function pythonCompletionSource(load) {
  /** @type {PythonCompletions | null} */
  let completions = null;
  /** @type {Promise<PythonCompletions> | null} */
  let loading = null;
  return (context) => {
    if (completions) return completions.complete(context);
    loading ??= load().catch((error) => {
      console.warn("interview_server: no index of Python's standard library:", error);
      return EMPTY_INDEX; // the builtins and the document's names all the same
    }).then((index) => (completions = new PythonCompletions(index)));
    return loading.then((ready) => ready.complete(context));
  };
}

/** Completions from one index; option lists are made once per module or class. */
export class PythonCompletions {
  /** @param {PythonIndex} index */
  constructor(index) {
    this.index = index;
    /** @type {Map<string, Completion[]>} */
    this.cache = new Map();
    /** @type {Completion[] | null} */
    this.globals = null; // builtins and keywords
  }

  /**
   * What to offer at the context's position. lang-python's global and local sources are asked from here, where they
   * fit: in an import statement they would offer every builtin and the very name being typed (the statement defines
   * it), which Enter would then accept instead of the module or member.
   * @param {CompletionContext} context
   * @returns {CompletionResult | null}
   */
  complete(context) {
    const inner = syntaxTree(context.state).resolveInner(context.pos, -1);
    if (NO_COMPLETION.has(inner.name)) return null;
    for (let node = inner; node; node = node.parent) {
      if (node.name === "ImportStatement") return this.inImport(context, node.from);
    }
    if (inner.name === "PropertyName" || inner.name === ".") {
      const member = inner.parent;
      if (member?.name !== "MemberExpression" || !member.firstChild) return null;
      const path = dottedPath(context.state, member.firstChild);
      const key = path ? this.resolve(path, importBindings(context.state)) : literalType(context.state, member.firstChild);
      if (!key) return null;
      return { from: inner.name === "." ? context.pos : inner.from, options: this.attributesOf(key), validFor: WORD };
    }
    const word = context.matchBefore(/\w+$/);
    if (!word && !context.explicit) return null;
    const { names, star } = importBindings(context.state);
    const local = /** @type {CompletionResult | null} */ (localCompletionSource(context));
    return {
      from: word ? word.from : context.pos,
      options: [...this.globalOptions(context), ...(local?.options ?? []), ...this.importedOptions(names),
        ...star.flatMap((module) => this.membersOf(module))],
      validFor: WORD,
    };
  }

  /**
   * In an import statement: module names after `import` and `from`, a module's members after `from m import`.
   * @param {CompletionContext} context
   * @param {number} start the statement's start
   */
  inImport(context, start) {
    const before = context.state.sliceDoc(start, context.pos).replace(/\\\n/g, " ");
    const member = /^from\s+([\w.]+)\s+import\s+\(?(?:\s*\w+(?:\s+as\s+\w+)?\s*,)*\s*(\w*)$/.exec(before);
    if (member) {
      if (member[1].startsWith(".")) return null;
      return { from: context.pos - member[2].length, options: this.attributesOf(member[1]), validFor: WORD };
    }
    const module = /^(?:from\s+|import\s+(?:[\w.]+(?:\s+as\s+\w+)?\s*,\s*)*)([\w.]*)$/.exec(before);
    if (!module) return null;
    const dot = module[1].lastIndexOf(".");
    return { from: context.pos - (module[1].length - dot - 1), options: this.moduleNames(module[1].slice(0, dot + 1)), validFor: WORD };
  }

  /** The modules under `prefix` ("" for the top level, "os." for os's), as completions of their last part. */
  moduleNames(prefix) {
    return this.cached(`modules:${prefix}`, () => {
      const seen = new Map();
      for (const [name, summary] of Object.entries(this.index.modules)) {
        if (!name.startsWith(prefix)) continue;
        const part = name.slice(prefix.length).split(".")[0];
        if (!seen.has(part)) seen.set(part, { label: part, type: "namespace", info: summary || undefined });
      }
      return [...seen.values()];
    });
  }

  /**
   * The members `key`'s table lists (a module's or a class's, with its bases'), as completions.
   * @param {string} key
   * @returns {Completion[]}
   */
  membersOf(key) {
    return this.cached(key, () => {
      const table = this.index.members[key];
      if (!table) return [];
      const inClass = this.index.modules[key] === undefined;
      /** @type {Completion[]} */
      const options = Object.entries(table).map(([label, entry]) => ({
        label,
        type: typeOf(label, entry, inClass),
        detail: entry[0] === "f" || entry[0] === "c" ? entry[1] : undefined,
        info: infoOf(label, entry),
      }));
      const listed = new Set(options.map((option) => option.label));
      for (const base of this.index.bases[key] ?? []) {
        for (const option of this.membersOf(base)) {
          if (listed.has(option.label)) continue;
          listed.add(option.label);
          options.push(option);
        }
      }
      return options;
    });
  }

  /** What `key.` offers: its members, and a module's walked submodules it does not list (urllib.parse). */
  attributesOf(key) {
    if (this.index.modules[key] === undefined) return this.membersOf(key);
    return this.cached(`attributes:${key}`, () => {
      const members = this.membersOf(key);
      const listed = new Set(members.map((option) => option.label));
      return [...members, ...this.moduleNames(`${key}.`).filter((option) => !listed.has(option.label))];
    });
  }

  /**
   * The index key of what a dotted path names (["os", "path"] -> "os.path"; ["c", "Counter"] -> a class), or null.
   * @param {string[]} path
   * @param {{names: Map<string, Binding>, star: string[]}} bindings
   */
  resolve(path, { names, star }) {
    const [first, ...rest] = path;
    const binding = names.get(first);
    let key = null;
    if (binding) key = binding.name ? this.memberKey(binding.module, binding.name) : binding.module;
    else if (this.index.members.builtins[first]) key = this.memberKey("builtins", first);
    else for (const module of star) key ??= this.index.members[module]?.[first] ? this.memberKey(module, first) : null;
    for (const name of rest) {
      if (!key) return null;
      key = this.memberKey(key, name);
    }
    return key && (this.index.members[key] || this.index.modules[key] !== undefined) ? key : null;
  }

  /** The key of `name` in module or class `key`: a walked submodule, or a member's own table. */
  memberKey(key, name) {
    if (this.index.modules[`${key}.${name}`] !== undefined && this.index.members[`${key}.${name}`]) return `${key}.${name}`;
    return this.index.members[key]?.[name]?.[3] ?? null;
  }

  /**
   * lang-python's global completions (builtins, snippets), its builtins with their signatures as info, and the
   * builtins and keywords it leaves out.
   * @param {CompletionContext} context
   */
  globalOptions(context) {
    if (this.globals) return this.globals;
    const theirs = /** @type {CompletionResult | null} */ (globalCompletion(context));
    if (!theirs) return []; // not here (it answers wherever this source does), asked again next time
    const builtins = this.index.members.builtins;
    const options = theirs.options.map((option) =>
      !option.apply && builtins[option.label] ? { ...option, info: infoOf(option.label, builtins[option.label]) } : option);
    const offered = new Set(options.map((option) => option.label));
    for (const [label, entry] of Object.entries(builtins)) {
      if (!offered.has(label)) options.push({ label, type: typeOf(label, entry, false), info: infoOf(label, entry) });
    }
    for (const label of this.index.keywords) if (!offered.has(label)) options.push({ label, type: "keyword" });
    this.globals = options;
    return options;
  }

  /**
   * The names `from m import name` bound, as lang-python's local completion offers them (label, type "variable"),
   * with their signature as info: one option each in the list.
   * @param {Map<string, Binding>} names
   */
  importedOptions(names) {
    /** @type {Completion[]} */
    const options = [];
    for (const [local, binding] of names) {
      const entry = binding.name && this.index.members[binding.module]?.[binding.name];
      if (entry) options.push({ label: local, type: "variable", info: infoOf(binding.name, entry) });
    }
    return options;
  }

  /**
   * @param {string} key
   * @param {() => Completion[]} make
   */
  cached(key, make) {
    let options = this.cache.get(key);
    if (!options) this.cache.set(key, (options = make()));
    return options;
  }
}

// The built-in type of a literal, by its syntax node's name.
const LITERALS = {
  String: "str", FormatString: "str", ContinuedString: "str",
  ArrayExpression: "list", ArrayComprehensionExpression: "list",
  DictionaryExpression: "dict", DictionaryComprehensionExpression: "dict",
  SetExpression: "set", SetComprehensionExpression: "set", TupleExpression: "tuple",
};

/**
 * The index key of a literal's type ("builtins.str" for `", "`), or null.
 * @param {import("@codemirror/state").EditorState} state
 * @param {import("@lezer/common").SyntaxNode} node
 */
function literalType(state, node) {
  if (node.name === "ParenthesizedExpression") {
    const inner = node.firstChild?.nextSibling; // after "("
    return inner && inner.nextSibling?.name === ")" ? literalType(state, inner) : null;
  }
  const text = state.sliceDoc(node.from, Math.min(node.to, node.from + 40));
  if (node.name === "String" && /^[rR]?[bB]/.test(text)) return "builtins.bytes";
  if (node.name === "Number") return /[jJ]$/.test(text) ? "builtins.complex" : /^0[xob]/i.test(text) || !/[.eE]/.test(text) ? "builtins.int" : "builtins.float";
  return LITERALS[node.name] ? `builtins.${LITERALS[node.name]}` : null;
}

/**
 * ["a", "b"] for the expression `a.b` (names and attributes only), or null.
 * @param {import("@codemirror/state").EditorState} state
 * @param {import("@lezer/common").SyntaxNode} node
 * @returns {string[] | null}
 */
function dottedPath(state, node) {
  if (node.name === "VariableName") return [state.sliceDoc(node.from, node.to)];
  if (node.name !== "MemberExpression") return null;
  const object = node.firstChild;
  const property = node.lastChild;
  if (!object || property?.name !== "PropertyName") return null;
  const path = dottedPath(state, object);
  return path && [...path, state.sliceDoc(property.from, property.to)];
}
