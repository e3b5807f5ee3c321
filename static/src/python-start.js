// How the Python worker (python-worker.js) gets Pyodide: restored from the start-up snapshot made at build time
// (static/build-snapshot.mjs; its layout in python-snapshot.js) when that fits this wasm, standard library and
// environment, else (missing, stale, broken) started the normal way. The snapshot uses Pyodide's private options
// (_loadSnapshot, and createPyodideModule to let the wasm compile while the snapshot downloads).
import { loadPyodide, version } from "pyodide";
import { PYTHON_ENV, PYTHON_PROGRAM, SNAPSHOT_FILE, SnapshotReader, stdlibFingerprint } from "./python-snapshot.js";

/**
 * Pyodide from the files under `indexUrl`: restored from the snapshot if it can be used, else started the normal way.
 * `start` says which way ("snapshot" or "normal"), and `why` why not the snapshot.
 * @param {string} indexUrl
 * @returns {Promise<{loaded: any, start: string, why?: string}>}
 */
export async function startPython(indexUrl) {
  const options = () => ({ indexURL: indexUrl, env: { ...PYTHON_ENV }, _sysExecutable: PYTHON_PROGRAM });
  const absolute = new URL(indexUrl, self.location.href).href;
  const runtime = import(/* webpackIgnore: true */ `${absolute}pyodide.asm.mjs`); // as Pyodide would, but now
  runtime.catch(() => {}); // a failure is Pyodide's to report (it imports the same URL)
  const snapshot = openSnapshot(`${indexUrl}${SNAPSHOT_FILE}`);
  try {
    const loaded = await loadPyodide({
      ...options(),
      // Pyodide waits for this before it compiles its wasm: it gets the image as soon as the header is in, and the
      // image fills while the wasm downloads and compiles. Pyodide reads it only once its module is made (below).
      _loadSnapshot: snapshot.started.then(({ image }) => image),
      createPyodideModule: async (settings) => {
        const { default: create } = await runtime;
        const [module] = await Promise.all([create(settings), snapshot.complete]);
        return module;
      },
    });
    const { header, image } = await snapshot.complete;
    // Restored, the image is garbage, but Pyodide's config keeps the promise that gave it (31 MB). Transferring its
    // memory to a clone that nobody keeps detaches it there too.
    structuredClone(image.buffer, { transfer: [image.buffer] });
    await adoptSnapshot(loaded, header);
    return { loaded, start: "snapshot" };
  } catch (error) {
    const why = String(error?.message ?? error).split("\n")[0];
    console.warn(`Python's start-up snapshot was not used (${why}): starting Python the normal way`);
    return { loaded: await loadPyodide(options()), start: "normal", why };
  }
}

/**
 * The snapshot's download: `started` once its header is in and fits, `complete` once its image is whole.
 * @param {string} url
 */
function openSnapshot(url) {
  /** @type {(reader: SnapshotReader) => void} */
  let onStarted = () => {};
  const started = new Promise((resolve) => (onStarted = resolve));
  const complete = readSnapshot(url, (reader) => onStarted(reader));
  const snapshot = { started: Promise.race([started, complete]), complete };
  snapshot.started.catch(() => {}); // a failure is the first load's, handled there
  complete.catch(() => {});
  return snapshot;
}

/**
 * @param {string} url
 * @param {(reader: SnapshotReader) => void} onHeader
 */
async function readSnapshot(url, onHeader) {
  const response = await fetch(url);
  if (!response.ok || !response.body) throw new Error(`no start-up snapshot (HTTP ${response.status})`);
  const reader = new SnapshotReader();
  const body = response.body.getReader();
  for (let chunk = await body.read(); !chunk.done; chunk = await body.read()) {
    const hadHeader = reader.started;
    reader.push(chunk.value);
    if (!hadHeader && reader.started) {
      const { header } = reader;
      if (header.pyodide !== version) throw new Error(`the snapshot is Pyodide ${header.pyodide}'s, not ${version}'s`);
      if (JSON.stringify(header.env) !== JSON.stringify(PYTHON_ENV)) throw new Error("the snapshot has another environment");
      onHeader(reader);
    }
  }
  const whole = reader.finish();
  performance.mark("snapshot-fetched", { detail: { bytes: whole.image.length } });
  return whole;
}

// After a restore, what the snapshot froze at build time is made this page's: the random generator's seed and the
// time zone (the build's was UTC). The zone attributes are recomputed as CPython's time module does at import
// (from this year's January and July), once Emscripten's C globals (tm_zone's names) were set again from the browser.
// Pyodide put "" at the head of sys.path again: once is what a normal start has.
const RESTORED = `
import random, sys, time
random.seed()
if sys.path[:2] == ["", ""]:
    del sys.path[0]
def _local_zone():
    year = (365 * 24 + 6) * 3600
    t = int(time.time()) // year * year
    jan, jul = time.localtime(t), time.localtime(t + year // 2)
    janzone, julzone = -jan.tm_gmtoff, -jul.tm_gmtoff
    if janzone < julzone:  # daylight saving time in January: the southern hemisphere
        time.timezone, time.altzone, time.tzname = julzone, janzone, (jul.tm_zone, jan.tm_zone)
    else:
        time.timezone, time.altzone, time.tzname = janzone, julzone, (jan.tm_zone, jul.tm_zone)
    time.daylight = int(janzone != julzone)
_local_zone()
del _local_zone
`;

/** Checks that the restored Python imports from the standard library it was made with; then unfreezes it. */
async function adoptSnapshot(loaded, header) {
  const zip = loaded.FS.readdir("/lib").find((name) => name.endsWith(".zip"));
  if (!zip || (await stdlibFingerprint(loaded.FS.readFile(`/lib/${zip}`))) !== header.stdlib) {
    throw new Error("the snapshot was made with another standard library");
  }
  const module = /** @type {any} */ (loaded)._module;
  const names = module.HEAPU32.subarray(module._tzname >>> 2, (module._tzname >>> 2) + 2);
  module.__tzset_js(module._timezone, module._daylight, names[0], names[1]);
  const globals = loaded.toPy({});
  try {
    loaded.runPython(RESTORED, { globals, filename: "<interview_pad_restore>" });
  } finally {
    globals.destroy();
  }
}
