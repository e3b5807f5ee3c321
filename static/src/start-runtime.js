// First script of the editor page, tiny so it runs long before the editor's code has loaded: opens the
// session's socket and starts the language's worker, so the session's text and Python's download and
// start-up overlap everything else (connection.js and runner.js adopt them).
import { openSocket, socketUrl } from "./early-socket.js";
import { startWorker } from "./early-workers.js";
import { languageById } from "./languages/index.js";

const main = /** @type {HTMLElement | null} */ (document.querySelector("main[data-session-id]"));
if (main && navigator.onLine !== false) openSocket(socketUrl(main.dataset.sessionId));
const language = main && languageById(main.dataset.language);
if (language) startWorker(language.id, language.workerUrl());
