// Module worker that runs JavaScript as written (the sandbox is js-sandbox.js).
import { startSandbox } from "./js-sandbox.js";

startSandbox({ sourceName: "main.js" });
