// The question bank's picker (the host's "Load problem", the landing page's "Browse problems"): search by title
// or tag, filter by language and difficulty, and a preview of the prompt (GET /api/problems/{id}, rendered with
// the page's Markdown module) before choosing. A <dialog> like host-dialogs.js; text via textContent only.

const DIFFICULTIES = ["easy", "medium", "hard"];
const LANGUAGE_LABELS = { python: "Python", javascript: "JavaScript", typescript: "TypeScript", sql: "SQL", lua: "Lua" };
const previews = new Map(); // problem id -> Promise of its JSON

/**
 * Lets the person pick a problem; resolves with its id, or null when cancelled. `problems`: GET /api/problems's
 * list ({id, title, tags, difficulty, languages, hidden_checks}); `selected`: the id chosen at first, if any.
 */
export function pickProblem({ problems, title = "Load a problem", hint = "", confirm = "Load problem", selected = "" }) {
  const make = (tag, className = "", text = "") => {
    const element = document.createElement(tag);
    if (className) element.className = className;
    if (text) element.textContent = text;
    return element;
  };
  const id = `picker-${Math.random().toString(36).slice(2)}`;
  const dialog = make("dialog", "name-dialog host-dialog problem-picker");
  dialog.setAttribute("aria-labelledby", `${id}-title`);
  const form = make("form", "name-form");
  form.method = "dialog";
  const heading = make("h2", "name-title", title);
  heading.id = `${id}-title`;
  form.append(heading);
  if (hint) form.append(make("p", "name-hint", hint));

  const search = make("input", "grading-search");
  Object.assign(search, { type: "search", placeholder: "Search by title or tag", spellcheck: false });
  search.setAttribute("aria-label", "Search by title or tag");
  const language = make("select", "grading-select");
  language.setAttribute("aria-label", "Language");
  language.append(new Option("Any language", ""));
  const languages = [...new Set(problems.flatMap((p) => p.languages ?? []))].sort();
  for (const value of languages) language.append(new Option(LANGUAGE_LABELS[value] ?? value, value));
  const difficulty = make("select", "grading-select");
  difficulty.setAttribute("aria-label", "Difficulty");
  difficulty.append(new Option("Any difficulty", ""));
  for (const value of DIFFICULTIES) difficulty.append(new Option(capital(value), value));
  const filters = make("div", "picker-filters");
  filters.append(search, language, difficulty);

  const listLabel = make("label", "visually-hidden", "Problem");
  listLabel.htmlFor = `${id}-list`;
  const list = make("select", "picker-list");
  list.id = `${id}-list`;
  list.size = 10;
  const preview = make("div", "picker-preview rendered-markdown");
  preview.setAttribute("role", "region");
  preview.setAttribute("aria-label", "Preview");
  preview.tabIndex = 0;
  const body = make("div", "picker-body");
  const listColumn = make("div", "picker-column");
  listColumn.append(listLabel, list);
  body.append(listColumn, preview);
  const count = make("p", "name-hint picker-count");
  count.setAttribute("role", "status");

  const actions = make("div", "name-actions");
  const cancel = make("button", "button button-quiet", "Cancel");
  cancel.type = "button";
  const submit = make("button", "button button-primary", confirm);
  submit.type = "submit";
  actions.append(cancel, submit);
  form.append(filters, body, count, actions);
  dialog.append(form);
  document.body.append(dialog);

  const matches = (problem) => {
    const words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
    const haystack = `${problem.title} ${(problem.tags ?? []).join(" ")} ${problem.id}`.toLowerCase();
    return words.every((word) => haystack.includes(word))
      && (!language.value || (problem.languages ?? []).includes(language.value))
      && (!difficulty.value || problem.difficulty === difficulty.value);
  };
  const filter = () => {
    const before = list.value || selected;
    const shown = problems.filter(matches);
    list.replaceChildren(...shown.map((problem) => new Option(problem.title, problem.id, false, problem.id === before)));
    if (!list.value && shown.length) list.value = shown[0].id;
    count.textContent = shown.length === problems.length ? `${problems.length} problems`
      : `${shown.length} of ${problems.length} problems match`;
    submit.disabled = !list.value;
    showPreview();
  };
  const showPreview = async () => {
    const problem = problems.find((p) => p.id === list.value);
    if (!problem) {
      preview.replaceChildren(make("p", "picker-empty", "No problem matches. Try another word or filter."));
      return;
    }
    const header = make("div", "picker-preview-header");
    const meta = make("p", "picker-option-meta");
    if (problem.difficulty) {
      const level = make("span", "picker-difficulty", capital(problem.difficulty));
      level.dataset.difficulty = problem.difficulty;
      meta.append(level);
    }
    const rest = [(problem.tags ?? []).join(", "), (problem.languages ?? []).map((l) => LANGUAGE_LABELS[l] ?? l).join(" and "),
      problem.hidden_checks ? "hidden tests" : ""].filter(Boolean).join(" · ");
    if (rest) meta.append(`${problem.difficulty ? " · " : ""}${rest}`);
    header.append(make("h3", "", problem.title), meta);
    preview.replaceChildren(header, make("p", "picker-empty", "Loading the prompt…"));
    try {
      if (!previews.has(problem.id)) previews.set(problem.id, fetchProblem(problem.id));
      const [full, { renderMarkdown }] = await Promise.all([previews.get(problem.id), import("../markdown.js")]);
      if (list.value === problem.id) preview.replaceChildren(header, renderMarkdown(String(full.prompt ?? ""), document));
    } catch {
      previews.delete(problem.id);
      if (list.value === problem.id) preview.replaceChildren(header, make("p", "picker-empty", "Could not load the prompt."));
    }
  };
  search.addEventListener("input", filter);
  language.addEventListener("change", filter);
  difficulty.addEventListener("change", filter);
  list.addEventListener("change", () => {
    submit.disabled = !list.value;
    showPreview();
  });
  list.addEventListener("dblclick", () => list.value && form.requestSubmit());
  // Enter in the search box picks the first match; arrows move from the box into the list.
  search.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown" && list.options.length) {
      event.preventDefault();
      list.focus();
    }
  });
  filter();

  return new Promise((resolve) => {
    let answer = null;
    cancel.addEventListener("click", () => dialog.close());
    form.addEventListener("submit", () => {
      answer = list.value || null;
    });
    dialog.addEventListener("close", () => {
      dialog.remove();
      resolve(answer);
    });
    dialog.showModal();
    search.focus();
  });
}

async function fetchProblem(id) {
  const response = await fetch(`/api/problems/${encodeURIComponent(id)}`);
  if (!response.ok) throw new Error(`the server answered ${response.status}`);
  return response.json();
}

function capital(text) {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
