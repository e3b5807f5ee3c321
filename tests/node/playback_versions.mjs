// Prints, as one JSON array, the text the playback model (static/src/playback/timeline.js) rebuilds at every
// version of the history JSON given as the first argument. Used by tests/test_hosting.py against the server.
import { readFileSync } from "node:fs";
import { Timeline } from "../../static/src/playback/timeline.js";

const history = JSON.parse(readFileSync(process.argv[2], "utf8"));
const timeline = new Timeline(history);
const texts = [];
for (let version = history.start.version; version <= history.version; version++) texts.push(timeline.textAt(version));
process.stdout.write(JSON.stringify(texts));
