// The landing's "My interviews": what this browser created or hosted (my-interviews.js), newest first, each with
// its state (asked of GET /api/sessions/{id}, which carries no key) and links to rejoin, play back, open the
// report, download the export, or take it off the list.
import { downloadSessionExport } from "../downloads.js";
import { forgetInterview, listInterviews } from "../my-interviews.js";

const SHOWN_FIRST = 10; // more behind "Show all"
const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

export class MyInterviewsList {
  /** `section` holds a heading, `list` (ul) and `status` (the line that says what went wrong). */
  constructor({ section, list, status, storage = localStorage }) {
    this.section = section;
    this.list = list;
    this.status = status;
    this.storage = storage;
    this.showAll = false;
  }

  render() {
    const interviews = listInterviews(this.storage);
    this.section.hidden = interviews.length === 0;
    const shown = this.showAll ? interviews : interviews.slice(0, SHOWN_FIRST);
    this.list.replaceChildren(...shown.map((interview) => this.item(interview)));
    if (interviews.length > shown.length) {
      const more = button(`Show all ${interviews.length}`, "button button-quiet my-interviews-more");
      more.addEventListener("click", () => {
        this.showAll = true;
        this.render();
      });
      const row = document.createElement("li");
      row.className = "my-interviews-more-row";
      row.append(more);
      this.list.append(row);
    }
  }

  item(interview) {
    const name = interview.title || "Untitled interview";
    const row = document.createElement("li");
    row.className = "my-interview";
    const heading = document.createElement("h3");
    heading.className = "my-interview-title";
    heading.textContent = name;
    const meta = document.createElement("p");
    meta.className = "my-interview-meta";
    const created = document.createElement("span");
    created.textContent = `Created ${dateFormat.format(new Date(interview.createdAt))}`;
    const state = document.createElement("span");
    state.className = "my-interview-state";
    state.dataset.state = "checking";
    state.textContent = "Checking…";
    meta.append(created, " · ", state);

    const sessionPath = `/session/${interview.id}`;
    const actions = document.createElement("div");
    actions.className = "my-interview-actions";
    const rejoin = link("Rejoin", `${sessionPath}#host=${interview.hostKey}`, `Rejoin ${name}`, "button button-primary");
    const playback = link("Play back", `${sessionPath}#host=${interview.hostKey}&open=playback`, `Play back ${name}`,
      "button");
    const report = button("Report", "button", `Report of ${name}`);
    report.addEventListener("click", () => this.act(async () => {
      const { openReport } = await import("../grading/report.js");
      await openReport(interview.id, interview.hostKey);
    }, "open the report"));
    const exported = button("Export", "button", `Export ${name}`);
    exported.addEventListener("click", () => this.act(() => downloadSessionExport(interview.id, interview.hostKey),
      "download the export"));
    const remove = button("Remove", "button button-quiet", `Remove ${name} from this list`);
    remove.addEventListener("click", () => {
      forgetInterview(interview.id, this.storage);
      this.render();
      this.status.textContent = `${name} was removed from this list (the session itself is unchanged).`;
    });
    actions.append(rejoin, playback, report, exported, remove);
    row.append(heading, meta, actions);
    this.showState(interview, row, state, heading);
    return row;
  }

  /** Asks the server whether the session is live, ended or gone; the title there wins (a host may rename it). */
  async showState(interview, row, state, heading) {
    try {
      const response = await fetch(`/api/sessions/${encodeURIComponent(interview.id)}`, { cache: "no-store" });
      if (response.status === 404) {
        setState(state, "gone", "Expired");
        row.querySelectorAll(".my-interview-actions > :not(:last-child)").forEach((element) => element.remove());
        return;
      }
      if (!response.ok) throw new Error(String(response.status));
      const session = await response.json();
      if (typeof session.title === "string" && session.title) heading.textContent = session.title;
      setState(state, session.ended ? "ended" : "live", session.ended ? "Ended" : "Live");
    } catch {
      setState(state, "unknown", "State unknown");
    }
  }

  async act(work, what) {
    this.status.textContent = "";
    try {
      await work();
    } catch (failure) {
      this.status.textContent = `Could not ${what}: ${failure.message}`;
    }
  }
}

function setState(element, state, text) {
  element.dataset.state = state;
  element.textContent = text;
}

function link(text, href, label, className) {
  const anchor = document.createElement("a");
  anchor.className = className;
  anchor.href = href;
  anchor.textContent = text;
  anchor.setAttribute("aria-label", label);
  return anchor;
}

function button(text, className, label = "") {
  const element = document.createElement("button");
  element.type = "button";
  element.className = className;
  element.textContent = text;
  if (label) element.setAttribute("aria-label", label);
  return element;
}
