// The Python completions' index: the standard library's module names, and the members of the modules interview code
// uses most (with their signatures and a one-line summary), read from Pyodide's OWN standard library under Node, so
// it is exactly what the candidate's code runs against. A JSON file the page loads on the first Python completion
// (static/src/completion/python.js; its header says why an index and not Jedi). Cached by input (~5 s to make).
//
// Shape: {python, keywords, modules: {name: summary}, members: {key: {name: [kind, detail, summary, ref]}},
// bases: {key: [key]}}. `modules` lists every importable top-level module (summaries only for the walked ones) and
// the walked dotted ones (os.path); `members` is keyed by module name ("math", "os.path", "builtins") or class
// ("collections.Counter", "builtins.str"); a class lists the names it defines itself, and `bases` where the rest are.
// kind: f function, c class, m module, v value; detail: a signature "(x, /)" (without self) or a value's type and
// short value; ref: the key of a module's or class's own members. Trailing empty fields are left out.
import { createHash } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

// The modules walked (their public members listed), about what interview code imports.
export const WALKED_MODULES = [
  "abc", "argparse", "array", "asyncio", "base64", "bisect", "calendar", "cmath", "collections", "collections.abc",
  "contextlib", "copy", "csv", "dataclasses", "datetime", "decimal", "difflib", "enum", "fractions", "functools",
  "graphlib", "hashlib", "heapq", "html", "inspect", "io", "itertools", "json", "keyword", "logging", "math",
  "numbers", "operator", "os", "os.path", "pathlib", "pprint", "queue", "random", "re", "secrets", "statistics",
  "string", "struct", "sys", "textwrap", "threading", "time", "timeit", "traceback", "types", "typing",
  "unicodedata", "unittest", "urllib.parse", "uuid", "warnings", "weakref", "zoneinfo",
];
// Built-in types whose methods are listed (for `str.join`, `dict.fromkeys`, `int.from_bytes`).
const BUILTIN_TYPES = ["bytearray", "bytes", "complex", "dict", "float", "frozenset", "int", "list", "range",
  "set", "slice", "str", "tuple"];

const WALK = String.raw`
import builtins, importlib, importlib.util, inspect, json, keyword, re, sys, types

MAX_SUMMARY = 120
MAX_DETAIL = 140
MAX_CLASS_MEMBERS = 120
SIGNATURE_LINE = re.compile(r"^[\w.]+\(.*\)")
ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")
OBJECT_NAMES = set(dir(object))
EXCEPTION_NAMES = set(dir(BaseException))

def clip(text, limit):
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"

def leading_signatures(doc):
    """The parameter lists of a docstring's leading "name(...) -> x" lines (a builtin without __text_signature__)."""
    found = []
    for line in doc.strip().splitlines():
        if not SIGNATURE_LINE.match(line):
            if not line.startswith(" ") and line.strip():
                break
            continue
        start = line.index("(")
        depth = 0
        for end in range(start, len(line)):
            depth += {"(": 1, ")": -1}.get(line[end], 0)
            if depth == 0:
                found.append(line[start : end + 1])
                break
    return found

def summary(obj):
    """The first sentence of the docstring's first paragraph that is not signature lines."""
    try:
        doc = inspect.getdoc(obj) or ""
    except Exception:
        return ""
    for paragraph in re.split(r"\n\s*\n", doc):
        lines = [line.strip() for line in paragraph.strip().splitlines() if line.strip()]
        if not lines or SIGNATURE_LINE.match(lines[0]):
            continue
        text = " ".join(lines).replace("\x60\x60", "")  # reST literals (two backquotes)
        first = re.match(r"(.+?[.!?])(\s|$)", text)
        return clip(first.group(1) if first else text, MAX_SUMMARY)
    return ""

def signature(obj, method=False):
    """inspect.signature, without self for a method; else the docstring's leading "name(...)" lines; else ""."""
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError, RuntimeError):
        doc = getattr(obj, "__doc__", None)
        return clip(" | ".join(leading_signatures(doc)), MAX_DETAIL) if isinstance(doc, str) else ""
    params = list(sig.parameters.values())
    if method and params and params[0].name in ("self", "cls"):
        sig = sig.replace(parameters=params[1:])
    return clip(ADDRESS.sub("", str(sig)), MAX_DETAIL)

def value_detail(value, owner_key):
    text = type(value).__name__
    # Values of the build's environment, not the page's: sys's and os's strings (sys.executable), time's zone.
    literal = {"sys": (bool, int, float), "os": (bool, int, float), "os.path": (), "time": ()}.get(
        owner_key, (bool, int, float, str, bytes))
    if isinstance(value, literal) and len(repr(value)) <= 40:
        text += " = " + repr(value)
    return text

def entry(kind, detail="", doc="", ref=""):
    fields = [kind, detail, doc, ref]
    while fields and not fields[-1]:
        fields.pop()
    return fields

modules = {}
members = {}
bases = {}
class_keys = {}  # id(class) -> its key in members
module_keys = {}  # id(module) -> its key in members
pending = []  # (key, class) whose members are still to list

def class_key(cls, key):
    """The key of cls's members (listed once, under the first name it is met by); "" for an exception or object."""
    if issubclass(cls, BaseException) or cls is object:
        return ""
    if id(cls) not in class_keys:
        class_keys[id(cls)] = key
        pending.append((key, cls))
    return class_keys[id(cls)]

def describe(name, value, owner_key, method=False):
    if isinstance(value, types.ModuleType):
        return entry("m", "", summary(value), module_keys.get(id(value), ""))
    if inspect.isclass(value):
        return entry("c", signature(value), summary(value), class_key(value, f"{owner_key}.{name}"))
    if callable(value):
        return entry("f", signature(value, method), summary(value))
    if inspect.isdatadescriptor(value):  # a property
        return entry("v", "", summary(value))
    return entry("v", value_detail(value, owner_key))

def class_members(key, cls):
    """The names cls itself defines; what it inherits is its bases' (listed under theirs)."""
    listed = {}
    for name in sorted(n for n in vars(cls) if not n.startswith("_"))[:MAX_CLASS_MEMBERS]:
        value = vars(cls)[name]
        if isinstance(value, (staticmethod, classmethod, types.ClassMethodDescriptorType)):
            value = getattr(cls, name)  # bound to the class: its signature has no cls
        method = inspect.isfunction(value) or inspect.ismethoddescriptor(value)
        listed[name] = describe(name, value, key, method=method)
    own_bases = [class_key(base, f"{base.__module__}.{base.__qualname__}") for base in cls.__bases__]
    if any(own_bases):
        bases[key] = [b for b in own_bases if b]
    return listed

def public_names(module):
    names = getattr(module, "__all__", None)
    if names is None:
        names = [n for n in dir(module) if not n.startswith("_") and not isinstance(getattr(module, n), types.ModuleType)]
    # Walked submodules are members too (os.path).
    names = set(names) | {w.rpartition(".")[2] for w in WALKED if w.rpartition(".")[0] == module.__name__}
    return sorted(n for n in names if hasattr(module, n) and not n.startswith("_"))

for name in sorted(n for n in sys.stdlib_module_names if not n.startswith("_") and n not in ("antigravity", "this")):
    try:
        if importlib.util.find_spec(name) is not None:
            modules[name] = ""
    except Exception:
        pass

loaded = {}
for name in WALKED:
    try:
        loaded[name] = importlib.import_module(name)
    except Exception as error:
        print(f"python index: {name} not walked: {error!r}", file=sys.stderr)
        continue
    module_keys[id(loaded[name])] = name
    modules[name] = summary(loaded[name])

for name in BUILTIN_TYPES:
    class_key(getattr(builtins, name), f"builtins.{name}")
members["builtins"] = {n: describe(n, getattr(builtins, n), "builtins") for n in dir(builtins) if not n.startswith("_")}
for name, module in loaded.items():
    members[name] = {n: describe(n, getattr(module, n), name) for n in public_names(module)}
while pending:
    key, cls = pending.pop(0)
    members[key] = class_members(key, cls)

keywords = sorted(set(keyword.kwlist + keyword.softkwlist) - {"_"})
json.dumps({"python": sys.version.split()[0], "keywords": keywords, "modules": dict(sorted(modules.items())),
            "members": dict(sorted(members.items())), "bases": dict(sorted(bases.items()))},
           ensure_ascii=False, separators=(",", ":"))
`;

const here = fileURLToPath(import.meta.url);

/** The index's JSON text for the Pyodide in `pyodidePackageDir` (node_modules/pyodide), cached in `cacheDir`. */
export async function pythonIndex(pyodidePackageDir, cacheDir) {
  const hash = createHash("sha256");
  for (const name of ["python_stdlib.zip", "pyodide.asm.wasm"]) hash.update(await readFile(join(pyodidePackageDir, name)));
  hash.update(await readFile(here));
  const cached = join(cacheDir, `python-index-${hash.digest("hex").slice(0, 32)}.json`);
  const hit = await readFile(cached, "utf8").catch(() => null);
  if (hit) return { path: cached, json: hit };
  const { loadPyodide } = await import("pyodide");
  const pyodide = await loadPyodide({ indexURL: `${pyodidePackageDir}/`, stdout: () => {}, stderr: (line) => console.error(line) });
  pyodide.globals.set("WALKED", pyodide.toPy(WALKED_MODULES));
  pyodide.globals.set("BUILTIN_TYPES", pyodide.toPy(BUILTIN_TYPES));
  const json = pyodide.runPython(WALK);
  await mkdir(cacheDir, { recursive: true });
  await writeFile(cached, json);
  console.log(`made the Python completions' index (${(json.length / 1024).toFixed(0)} kB)`);
  return { path: cached, json };
}
