// The runners' worker scripts have content-hashed names: the page's <main> carries them (templates,
// interview_server/assets.py), e.g. data-worker-python="/static/dist/python-worker-3FZK2QXA.js".

/** The URL of language `id`'s worker script. */
export function workerUrl(id) {
  const main = /** @type {HTMLElement | null} */ (document.querySelector("main[data-session-id]"));
  const url = main?.dataset[`worker${id[0].toUpperCase()}${id.slice(1)}`];
  if (!url) throw new Error(`the page names no worker for ${id}`);
  return url;
}
