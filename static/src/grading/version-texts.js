// The candidate's confirmed code at recent versions, as this page's sync core confirmed it: hidden checks run on
// the text at the version a run was made on, even when the page has moved on since. Text objects share their
// structure, so keeping a few hundred versions costs little.

const KEEP = 300;

export class VersionTexts {
  /** Listens after `collab` (a SyncClient) on `connection`, so each message is applied before it looks. */
  constructor({ connection, collab, keep = KEEP }) {
    this.collab = collab;
    this.keep = keep;
    this.texts = new Map(); // version -> Text (CodeMirror), oldest first
    this.record();
    connection.addEventListener("message", (/** @type {CustomEvent} */ { detail }) => {
      if (detail?.type === "updates" || detail?.type === "session_state") this.record();
    });
    collab.addEventListener("state-replaced", () => {
      this.texts.clear(); // a resync may follow another history: texts at old versions are not trusted
      this.record();
    });
  }

  /** The confirmed version now. */
  get version() {
    return this.collab.getVersion();
  }

  record() {
    const doc = this.collab.syncedDoc;
    if (!doc || !this.collab.view) return;
    this.texts.set(this.collab.getVersion(), doc);
    while (this.texts.size > this.keep) this.texts.delete(this.texts.keys().next().value);
  }

  /** Resolves once this page has confirmed `version` (true), or after `timeoutMs` (false). */
  async reach(version, timeoutMs = 2000) {
    const deadline = performance.now() + timeoutMs;
    while (this.version < version && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
    return this.version >= version;
  }

  /**
   * The confirmed text at `version`: {version, text, exact}. When that version is not known here (too old, or a
   * resync since), the current confirmed text and version, with exact false.
   * @param {number} [version]
   */
  at(version = this.version) {
    this.record();
    const known = this.texts.get(version);
    if (known) return { version, text: known.toString(), exact: true };
    const current = this.version;
    return { version: current, text: this.collab.syncedDoc?.toString() ?? "", exact: version === current };
  }
}
