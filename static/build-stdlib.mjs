// Pyodide's python_stdlib.zip holds Python sources only, so every start compiles the ~190 modules that
// Pyodide and our worker import (about 3 s of a 5 s start here). This precompiles those (and a few that
// interview code often imports) to .pyc inside the zip, with Pyodide itself under Node, so the bytecode
// is exactly its CPython's. The sources stay for tracebacks. Entries are stored, not deflated: the
// server's brotli/gzip copy compresses across files (2.8 MB br vs 2.5 MB for the original deflated zip).
import { createHash } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";

// Imported by the worker after loading (python-worker.js PATCHES), or often by interview code.
const ALSO_PRECOMPILED = [
  "linecache", "time", "builtins", "bisect", "heapq", "collections", "datetime", "decimal", "fractions",
  "statistics", "string", "textwrap", "pprint", "queue", "copy", "dataclasses", "typing", "itertools",
  "functools", "operator", "math", "random", "re", "json",
];

const COMPILE = `
import importlib.util, sys, zipfile
from importlib._bootstrap_external import _code_to_hash_pyc

for name in ALSO:
    try:
        __import__(name)
    except ImportError:
        pass
zip_path = next(entry for entry in sys.path if entry.endswith(".zip"))
wanted = set()
for module in list(sys.modules.values()):
    path = getattr(module, "__file__", None) or ""
    if path.startswith(zip_path + "/") and path.endswith(".py"):
        wanted.add(path[len(zip_path) + 1:])

with zipfile.ZipFile("/tmp/stdlib-in.zip") as source, zipfile.ZipFile("/tmp/stdlib-out.zip", "w") as out:
    for info in source.infolist():
        data = source.read(info)
        out.writestr(info, data, compress_type=zipfile.ZIP_STORED)
        if info.filename in wanted:
            code = compile(data, f"{zip_path}/{info.filename}", "exec", dont_inherit=True)
            # Unchecked hash-based: the importer trusts it without reading the source.
            pyc = _code_to_hash_pyc(code, importlib.util.source_hash(data), checked=False)
            out.writestr(zipfile.ZipInfo(info.filename + "c", info.date_time), bytes(pyc),
                         compress_type=zipfile.ZIP_STORED)
len(wanted)
`;

/** The bytes of python_stdlib.zip with precompiled startup modules (cached by input, ~10 s to make). */
export async function compiledStdlib(pyodideDir, cacheDir) {
  const original = await readFile(join(pyodideDir, "python_stdlib.zip"));
  const key = createHash("sha256").update(original).update(COMPILE).update(ALSO_PRECOMPILED.join()).digest("hex");
  const cached = join(cacheDir, `stdlib-${key.slice(0, 32)}.zip`);
  const hit = await readFile(cached).catch(() => null);
  if (hit) return hit;
  const { loadPyodide } = await import("pyodide");
  const pyodide = await loadPyodide({ indexURL: pyodideDir, stdout: () => {}, stderr: (line) => console.error(line) });
  pyodide.FS.writeFile("/tmp/stdlib-in.zip", original);
  pyodide.globals.set("ALSO", pyodide.toPy(ALSO_PRECOMPILED));
  const count = pyodide.runPython(COMPILE);
  const compiled = Buffer.from(pyodide.FS.readFile("/tmp/stdlib-out.zip"));
  console.log(`precompiled ${count} standard library modules`);
  await mkdir(cacheDir, { recursive: true });
  await writeFile(cached, compiled);
  return compiled;
}
