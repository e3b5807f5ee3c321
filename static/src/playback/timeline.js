// The model of a session's playback (no DOM; runs in Node): the text and authorship at any version,
// and every edit, run start, run end, chat message, hidden-test result and timer mark on one time line.
import { ChangeSet, Text } from "@codemirror/state";
import { reviewEvents } from "./review-events.js";

const CHECKPOINT_EVERY = 100; // versions between cached documents (and authorship) while scrubbing
const CHUNK_SEGMENTS = 64; // authorship segments per chunk: an edit rebuilds the chunks it touches, not all
// Among events at the same millisecond.
const KIND_ORDER = { update: 0, run_start: 1, chat: 2, run_end: 3, hidden: 4, timer: 5, board: 6, signal: 7, comment: 8 };

/** Milliseconds since the epoch of an ISO 8601 string (or a number), or null. */
export function parseTime(value) {
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (typeof value !== "string") return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : ms;
}

/** "2:03", or "1:02:03" past an hour, of a duration in ms. */
export function formatElapsed(ms) {
  const total = Math.max(0, Math.floor(ms / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = String(total % 60).padStart(2, "0");
  return hours ? `${hours}:${String(minutes).padStart(2, "0")}:${seconds}` : `${minutes}:${seconds}`;
}

/**
 * Authorship of a document as consecutive segments [{length, participant}] covering it exactly
 * (participant null: text that was there at the start), mapped through one ChangeSet.
 */
function applyAuthorship(segments, changes, participant) {
  // Segments are never mutated once made, so whole ones are shared between versions.
  const next = [];
  const push = (length, who, whole = null) => {
    if (length <= 0) return;
    const last = next[next.length - 1];
    if (last && last.participant === who) next[next.length - 1] = { length: last.length + length, participant: who };
    else next.push(whole ?? { length, participant: who });
  };
  let index = 0; // segment in `segments`
  let offset = 0; // units of that segment already consumed
  const copy = (length, keep) => { // consumes `length` old units, keeping them if `keep`
    while (length > 0 && index < segments.length) {
      const segment = segments[index];
      const take = Math.min(length, segment.length - offset);
      if (keep) push(take, segment.participant, take === segment.length ? segment : null);
      length -= take;
      offset += take;
      if (offset === segment.length) {
        index += 1;
        offset = 0;
      }
    }
  };
  let posA = 0;
  changes.iterChanges((fromA, toA, _fromB, _toB, inserted) => {
    copy(fromA - posA, true);
    copy(toA - fromA, false);
    push(inserted.length, participant);
    posA = toA;
  });
  copy(changes.length - posA, true);
  return next;
}

/**
 * Authorship kept as chunks [{length, segments}] of at most CHUNK_SEGMENTS segments each, so that one edit
 * costs the chunks it touches plus one pass over the chunk list, not a pass over every segment: sessions where
 * two people's text alternates character by character have as many segments as characters.
 */
function toChunks(segments) {
  const chunks = [];
  for (let i = 0; i < segments.length; i += CHUNK_SEGMENTS) {
    const part = segments.slice(i, i + CHUNK_SEGMENTS);
    chunks.push({ length: part.reduce((sum, segment) => sum + segment.length, 0), segments: part });
  }
  return chunks;
}

/** `chunks` mapped through one ChangeSet whose edits were made by `participant`. */
function applyChunkedAuthorship(chunks, changes, participant) {
  let first = -1;
  let last = -1;
  changes.iterChangedRanges((fromA, toA) => {
    if (first < 0) first = fromA;
    last = toA;
  });
  if (first < 0) return chunks;
  // The chunks holding [first, last] (a chunk ending exactly at `first` is left alone: text there is kept).
  let start = 0;
  let ci = 0;
  while (ci < chunks.length - 1 && start + chunks[ci].length <= first) start += chunks[ci++].length;
  let end = start;
  let cj = ci;
  while (cj < chunks.length && end < last) end += chunks[cj++].length;
  if (cj === ci && cj < chunks.length) end += chunks[cj++].length;
  const local = chunks.slice(ci, cj).flatMap((chunk) => chunk.segments);
  // The same edits, seen from the start of that stretch; it is all `applyAuthorship` looks at.
  const specs = [];
  changes.iterChanges((fromA, toA, _fromB, _toB, inserted) => {
    specs.push({ from: fromA - start, to: toA - start, insert: inserted.toString() });
  });
  const localChanges = ChangeSet.of(specs, end - start);
  return [...chunks.slice(0, ci), ...toChunks(applyAuthorship(local, localChanges, participant)), ...chunks.slice(cj)];
}

/** Participant id -> [{name, at}] oldest first (`at` ms; -Infinity when not recorded), from `participants`. */
function collectNames(participants) {
  const names = new Map();
  for (const [id, person] of Object.entries(participants ?? {})) {
    const listed = (Array.isArray(person?.names) ? person.names : [])
      .filter((entry) => entry && typeof entry.name === "string")
      .map((entry) => ({ name: entry.name, at: parseTime(entry.at) ?? -Infinity }))
      .sort((a, b) => a.at - b.at);
    if (!listed.length && typeof person?.name === "string") listed.push({ name: person.name, at: -Infinity });
    if (listed.length) names.set(id, listed);
  }
  return names;
}

/** Who made an update: its participant id, or "" if it names none (shown as "Someone"). */
function authorOf(update) {
  return typeof update.participant === "string" ? update.participant : "";
}

export class Timeline {
  /** `history`: what GET /api/sessions/{id}/history returns (docs/PROTOCOL.md). */
  constructor(history) {
    this.history = history;
    this.startVersion = history.start?.version ?? 0;
    this.startDoc = Text.of(String(history.start?.text ?? "").split("\n"));
    this.updates = Array.isArray(history.updates) ? history.updates : [];
    this.changes = this.updates.map((update) => ChangeSet.fromJSON(update.changes));
    this.endVersion = this.startVersion + this.changes.length;
    this.docCheckpoints = [this.startDoc]; // [k]: the document at startVersion + k * CHECKPOINT_EVERY
    this.authorCheckpoints = [toChunks(this.startDoc.length ? [{ length: this.startDoc.length, participant: null }] : [])];
    // The last answers: stepping forward from them costs one update each.
    this.lastDoc = { version: this.startVersion, doc: this.startDoc };
    this.lastAuthors = { version: this.startVersion, segments: this.authorCheckpoints[0] };
    // Versions before startVersion were compacted away on the server: the recording starts there.
    this.compactedBefore = this.startVersion > 0 ? this.startVersion : 0;
    this.names = collectNames(history.participants);
    this.buildEvents();
  }

  /** The name participant `id` had at `ms` (ms since the epoch; its first name before then), or null if unknown. */
  nameAt(id, ms) {
    const names = this.names.get(id);
    if (!names) return null;
    let name = names[0].name;
    for (const entry of names) {
      if (entry.at > ms) break;
      name = entry.name;
    }
    return name;
  }

  /** Every name participant `id` had, oldest first (one, mostly). */
  namesOf(id) {
    return (this.names.get(id) ?? []).map((entry) => entry.name);
  }

  buildEvents() {
    const events = [];
    // Update times never go back (the server stamps them in order; a clock step must not reorder edits).
    let previous = -Infinity;
    this.updates.forEach((update, index) => {
      const at = Math.max(previous, parseTime(update.at) ?? previous);
      previous = at;
      events.push({ at, kind: "update", index, version: this.startVersion + index + 1, participant: authorOf(update) });
    });
    if (events.length && events[0].at === -Infinity) {
      const first = events.find((event) => event.at !== -Infinity)?.at ?? 0;
      for (const event of events) if (event.at === -Infinity) event.at = first;
    }
    (this.history.runs ?? []).forEach((run, index) => {
      const at = parseTime(run.started_at);
      if (at === null) return;
      events.push({ at, kind: "run_start", index, id: run.id });
      if (run.status && typeof run.duration_ms === "number") {
        events.push({ at: at + Math.max(0, run.duration_ms), kind: "run_end", index, id: run.id });
      }
    });
    (this.history.chat ?? []).forEach((message, index) => {
      const at = parseTime(message.sent_at);
      if (at !== null) events.push({ at, kind: "chat", index, id: message.id });
    });
    // The hosts' history only: hidden-test results (each graded a version) and the timer's marks.
    (this.history.hidden_results ?? []).forEach((result, index) => {
      const at = parseTime(result.at);
      if (at !== null) events.push({ at, kind: "hidden", index, id: result.id });
    });
    (this.history.timer_marks ?? []).forEach((mark, index) => {
      const at = parseTime(mark.at);
      if (at !== null) events.push({ at, kind: "timer", index });
    });
    // The whiteboard (history.board): one event per update, so the board plays stroke by stroke.
    (this.history.board?.updates ?? []).forEach((update, index) => {
      const at = parseTime(update?.at);
      if (at !== null) events.push({ at, kind: "board", index });
    });
    events.push(...reviewEvents(this.history)); // integrity signals and comments (the hosts' history)
    events.forEach((event, seq) => { event.seq = seq; });
    events.sort((a, b) => a.at - b.at || KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || a.seq - b.seq);
    this.events = events;

    const created = parseTime(this.history.created_at);
    const first = events.length ? events[0].at : created ?? 0;
    // Time 0 is the session's creation when the history starts there, else the first event.
    this.origin = this.startVersion === 0 && created !== null && created <= first ? created : first;
    this.end = events.length ? events[events.length - 1].at : this.origin;
    this.duration = this.end - this.origin;

    // Per position p (0 = before any event, p = after the first p events): version, last run started.
    this.positionVersion = new Int32Array(events.length + 1);
    this.positionVersion[0] = this.startVersion;
    this.runStartPosition = new Map(); // run index -> position just after its start
    this.runEndPosition = new Map(); // run index -> position just after its end
    this.versionPosition = new Int32Array(this.changes.length + 1); // version - startVersion -> first position at it
    this.positionBoard = new Int32Array(events.length + 1); // board updates shown at each position
    events.forEach((event, i) => {
      const version = event.kind === "update" ? event.version : this.positionVersion[i];
      this.positionVersion[i + 1] = version;
      this.positionBoard[i + 1] = event.kind === "board" ? event.index + 1 : this.positionBoard[i];
      if (event.kind === "update") this.versionPosition[version - this.startVersion] = i + 1;
      else if (event.kind === "run_start") this.runStartPosition.set(event.index, i + 1);
      else if (event.kind === "run_end") this.runEndPosition.set(event.index, i + 1);
    });
  }

  /** How many of the whiteboard's updates (history.board.updates) are drawn at position p. */
  boardCountAt(p) {
    return this.positionBoard[Math.max(0, Math.min(p, this.events.length))];
  }

  /** How many positions the slider has beyond 0 (= the number of events). */
  get length() {
    return this.events.length;
  }

  clampVersion(version) {
    return Math.max(this.startVersion, Math.min(this.endVersion, Math.round(Number(version) || 0)));
  }

  /** The document (a CodeMirror Text) at `version`. */
  docAt(version) {
    const target = this.clampVersion(version);
    let { version: from, doc } = this.lastDoc;
    if (target < from || target - from >= CHECKPOINT_EVERY) {
      const k = this.ensureCheckpoint(Math.floor((target - this.startVersion) / CHECKPOINT_EVERY), "doc");
      from = this.startVersion + k * CHECKPOINT_EVERY;
      doc = this.docCheckpoints[k];
    }
    for (let v = from; v < target; v++) doc = this.changes[v - this.startVersion].apply(doc);
    this.lastDoc = { version: target, doc };
    return doc;
  }

  /** The text at `version` (clamped to the versions this history holds). */
  textAt(version) {
    return this.docAt(version).toString();
  }

  /** Fills checkpoints of `which` ("doc" or "author") up to index k; returns k. */
  ensureCheckpoint(k, which) {
    /** @type {any[]} */
    const list = which === "doc" ? this.docCheckpoints : this.authorCheckpoints;
    while (list.length <= k) {
      const base = (list.length - 1) * CHECKPOINT_EVERY;
      let value = list[list.length - 1];
      for (let i = base; i < base + CHECKPOINT_EVERY; i++) value = this.step(value, i, which);
      list.push(value);
    }
    return k;
  }

  /** @param {any} value the document or the authors at version `i` */
  step(value, i, which) {
    return which === "doc"
      ? this.changes[i].apply(value)
      : applyChunkedAuthorship(value, this.changes[i], authorOf(this.updates[i]));
  }

  /** The ChangeSet that moves the document from `version` - 1 to `version`. */
  changesOf(version) {
    return this.changes[version - this.startVersion - 1];
  }

  /**
   * Text inserted by each participant that survives at `version`: [{from, to, participant}], in
   * order, not overlapping (text present at the start has no span; participant "" is unknown).
   */
  authorship(version) {
    const target = this.clampVersion(version);
    let { version: from, segments } = this.lastAuthors;
    if (target < from || target - from >= CHECKPOINT_EVERY) {
      const k = this.ensureCheckpoint(Math.floor((target - this.startVersion) / CHECKPOINT_EVERY), "author");
      from = this.startVersion + k * CHECKPOINT_EVERY;
      segments = this.authorCheckpoints[k];
    }
    for (let v = from; v < target; v++) segments = this.step(segments, v - this.startVersion, "author");
    this.lastAuthors = { version: target, segments };
    const spans = [];
    let pos = 0;
    for (const { length, participant } of segments.flatMap((chunk) => chunk.segments)) {
      const previous = spans[spans.length - 1];
      if (participant !== null && previous?.to === pos && previous.participant === participant) previous.to += length;
      else if (participant !== null) spans.push({ from: pos, to: pos + length, participant });
      pos += length;
    }
    return spans;
  }

  /** The version after the last update at or before `ms` (ms since the epoch). */
  versionAt(ms) {
    let low = 0;
    let high = this.changes.length; // the answer is how many updates were made at or before ms
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (this.updateTime(mid - 1) <= ms) low = mid;
      else high = mid - 1;
    }
    return this.startVersion + low;
  }

  updateTime(index) {
    return this.events[this.versionPosition[index + 1] - 1].at;
  }

  /** When the document reached `version` (ms since the epoch); the origin for the start version. */
  timeOfVersion(version) {
    const v = this.clampVersion(version);
    return v === this.startVersion ? this.origin : this.updateTime(v - this.startVersion - 1);
  }

  /** The position (0..length) just after the update that made `version` (0 for the start version). */
  positionOfVersion(version) {
    const v = this.clampVersion(version);
    return v === this.startVersion ? 0 : this.versionPosition[v - this.startVersion];
  }

  /** The last position whose time is at or before `ms`. */
  positionAt(ms) {
    let low = 0;
    let high = this.events.length;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (this.events[mid - 1].at <= ms) low = mid;
      else high = mid - 1;
    }
    return low;
  }

  /** Time (ms since the epoch) of position p: the origin for 0, else the time of event p - 1. */
  timeOfPosition(p) {
    return p <= 0 ? this.origin : this.events[Math.min(p, this.events.length) - 1].at;
  }

  /** The document version at position p. */
  versionOfPosition(p) {
    return this.positionVersion[Math.max(0, Math.min(p, this.events.length))];
  }

  /** The run started most recently at position p, as {run, index, ended}, or null. */
  runAt(p) {
    for (let i = Math.min(p, this.events.length) - 1; i >= 0; i--) {
      const event = this.events[i];
      if (event.kind === "run_start") {
        const end = this.runEndPosition.get(event.index);
        return { run: this.history.runs[event.index], index: event.index, ended: end !== undefined && end <= p };
      }
    }
    return null;
  }

  /** The hidden-test result reported most recently at position p, or null. */
  hiddenAt(p) {
    for (let i = Math.min(p, this.events.length) - 1; i >= 0; i--) {
      if (this.events[i].kind === "hidden") return this.history.hidden_results[this.events[i].index];
    }
    return null;
  }

  /** The timer's marks (start, pause, resume, reset) up to position p, in order. */
  timerMarksAt(p) {
    const marks = [];
    for (let i = 0; i < Math.min(p, this.events.length); i++) {
      if (this.events[i].kind === "timer") marks.push(this.history.timer_marks[this.events[i].index]);
    }
    return marks;
  }

  /** Chat messages sent up to position p, in order of sending. */
  chatAt(p) {
    const messages = [];
    for (let i = 0; i < Math.min(p, this.events.length); i++) {
      if (this.events[i].kind === "chat") messages.push(this.history.chat[this.events[i].index]);
    }
    return messages;
  }
}
