// Python's start-up, done once at build time: Pyodide boots under Node and its memory is saved (Pyodide's private
// `_makeSnapshot` / `makeMemorySnapshot`); the worker restores that memory instead of initialising CPython and
// importing Pyodide's modules again (~1 s of CPU in a browser here). The snapshot only fits the exact
// pyodide.asm.wasm (Pyodide checks its build id), the exact python_stdlib.zip it was made with (its import caches
// hold offsets into the file) and the same environment: the header (src/python-snapshot.js) names the last two, and
// the worker falls back to a normal start when anything disagrees.
//
// It is made in a child process with TZ=UTC, so nothing of the build machine's zone is kept (the worker sets the
// page's zone after restoring), and checked by restoring it once before it is kept. Cached by input (~4 s to make).
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { PYTHON_ENV, PYTHON_PROGRAM, SNAPSHOT_FILE, packSnapshot, stdlibFingerprint } from "./src/python-snapshot.js";

const here = fileURLToPath(import.meta.url);
const FORMAT = join(dirname(here), "src/python-snapshot.js");
// What Pyodide's own start-up leaves out and every run needs (python-worker.js PATCHES imports these).
const WARM_UP = "import linecache, time, builtins, random";

export { SNAPSHOT_FILE };

/**
 * The snapshot file for the Pyodide files in `indexDir` (the served copies, standard library included), or null
 * when Pyodide cannot make one that restores (said on stderr: the site then starts Python the normal way).
 */
export async function pythonSnapshot(indexDir, pyodidePackageDir, cacheDir) {
  const hash = createHash("sha256");
  for (const path of [
    join(indexDir, "pyodide.asm.wasm"),
    join(indexDir, "pyodide.asm.mjs"),
    join(indexDir, "python_stdlib.zip"),
    join(pyodidePackageDir, "pyodide.mjs"), // the loader Node runs here (its build id is the wasm's)
    here,
    FORMAT,
  ]) {
    hash.update(await readFile(path));
  }
  const cached = join(cacheDir, `snapshot-${hash.digest("hex").slice(0, 32)}.bin`);
  const hit = await readFile(cached).catch(() => null);
  if (hit) return hit;
  await mkdir(cacheDir, { recursive: true });
  const partial = `${cached}.${process.pid}.part`;
  try {
    await promisify(execFile)(process.execPath, [here, indexDir, partial], {
      env: { ...process.env, TZ: "UTC" },
      maxBuffer: 16 * 1024 * 1024,
    });
    await rename(partial, cached);
  } catch (error) {
    await rm(partial, { force: true });
    console.warn(`no Python start-up snapshot (Python will start the normal way): ${error.stderr || error.message}`);
    return null;
  }
  const made = await readFile(cached);
  console.log(`made Python's start-up snapshot (${(made.length / 1e6).toFixed(1)} MB)`);
  return made;
}

/** In the child: boot Pyodide from `indexDir`, snapshot it, check that the snapshot restores, write it to `out`. */
async function makeSnapshot(indexDir, out) {
  const { loadPyodide, version } = await import("pyodide");
  const options = () => ({
    indexURL: `${indexDir}/`,
    env: { ...PYTHON_ENV },
    _sysExecutable: PYTHON_PROGRAM, // else Node's script path
    stdout: (line) => console.log(line),
    stderr: (line) => console.error(line),
  });
  const pyodide = await loadPyodide({ ...options(), _makeSnapshot: true });
  pyodide.runPython(WARM_UP);
  const image = pyodide.makeMemorySnapshot();
  const restored = await loadPyodide({ ...options(), _loadSnapshot: image });
  const answer = restored.runPython("import sys; sum(range(10)) + len(sys.modules) * 0");
  if (answer !== 45) throw new Error(`the restored snapshot answered ${answer}`);
  const about = {
    pyodide: version,
    stdlib: await stdlibFingerprint(await readFile(join(indexDir, "python_stdlib.zip"))),
    env: { ...PYTHON_ENV },
  };
  await writeFile(out, packSnapshot(about, image));
}

if (process.argv[1] === here) {
  const [indexDir, out] = process.argv.slice(2);
  await makeSnapshot(indexDir, out);
}
