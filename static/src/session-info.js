// What the hosts decided (title, lock, end, problem) and my role, from `welcome` and `session_info`.

/** Events: `change` (detail: this) whenever the role or the session's settings change. */
export class SessionInfo extends EventTarget {
  constructor(connection) {
    super();
    this.role = null; // "host" or "candidate" once welcomed on this connection
    this.title = "";
    this.locked = false;
    this.ended = false;
    this.problem = null; // {id, title, prompt, checks} or null
    connection.addEventListener("message", (/** @type {CustomEvent} */ { detail: { type, data } }) => {
      if (type === "welcome") this.update({ role: data.role === "host" ? "host" : "candidate" });
      else if (type === "session_info") {
        this.update({ title: String(data.title ?? ""), locked: Boolean(data.locked), ended: Boolean(data.ended),
          problem: data.problem && typeof data.problem === "object" ? data.problem : null });
      }
    });
  }

  get isHost() {
    return this.role === "host";
  }

  /** May I edit the code now? (Hosts may while locked; nobody may once ended.) */
  get canEdit() {
    return !this.ended && (!this.locked || this.isHost);
  }

  update(fields) {
    Object.assign(this, fields);
    this.dispatchEvent(new CustomEvent("change", { detail: this }));
  }
}
