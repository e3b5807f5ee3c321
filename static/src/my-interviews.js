// "My interviews": the sessions this browser created or hosted, kept in its localStorage so the landing page can
// list them (no accounts). Each entry holds the session's id, its host key, its title and when it was created
// and last opened here. The host key never leaves this browser except to its own session (the host link, and
// the Authorization header of that session's report and export requests).

const STORAGE_KEY = "interview-pad:my-interviews";
const MAX_ENTRIES = 200; // the oldest are forgotten beyond this
const SESSION_ID = /^[0-9a-f-]{36}$/;

/** @typedef {{id: string, hostKey: string, title: string, createdAt: number, openedAt: number}} Interview */

/** The interviews kept in `storage`, last opened first. */
export function listInterviews(storage = localStorage) {
  return readAll(storage).sort((a, b) => b.openedAt - a.openedAt);
}

/** Remembers (or refreshes) an interview this browser hosts; `title` is kept when not given. */
export function rememberInterview({ id, hostKey, title = undefined }, now = Date.now(), storage = localStorage) {
  if (!SESSION_ID.test(id) || typeof hostKey !== "string" || !hostKey) return;
  const all = readAll(storage);
  const known = all.find((entry) => entry.id === id);
  const entry = known ?? { id, hostKey, title: "", createdAt: now, openedAt: now };
  entry.hostKey = hostKey;
  entry.openedAt = now;
  if (typeof title === "string") entry.title = title.slice(0, 200);
  const kept = known ? all : [entry, ...all];
  writeAll(kept.sort((a, b) => b.openedAt - a.openedAt).slice(0, MAX_ENTRIES), storage);
}

/** Takes an interview off this browser's list (the session itself is not touched). */
export function forgetInterview(id, storage = localStorage) {
  writeAll(readAll(storage).filter((entry) => entry.id !== id), storage);
}

/** @returns {Interview[]} */
function readAll(storage) {
  try {
    const parsed = JSON.parse(storage.getItem(STORAGE_KEY) ?? "[]");
    return Array.isArray(parsed) ? parsed.filter(isInterview) : [];
  } catch {
    return []; // storage refused (a sandboxed frame) or an unreadable value: nothing kept
  }
}

function writeAll(entries, storage) {
  try {
    storage.setItem(STORAGE_KEY, JSON.stringify(entries));
  } catch {
    // storage refused or full: the list is a convenience, the session works without it
  }
}

function isInterview(entry) {
  return Boolean(entry) && typeof entry.id === "string" && SESSION_ID.test(entry.id) &&
    typeof entry.hostKey === "string" && typeof entry.title === "string" &&
    Number.isFinite(entry.createdAt) && Number.isFinite(entry.openedAt);
}
