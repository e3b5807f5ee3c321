// The "session is full" page. A host has places of its own: its link (#host=KEY, a fragment never sent to the
// server) or the key this tab remembers (host-link.js) makes this page ask for the editor again with ?host.
// The key itself is checked on the socket, so ?host lets a candidate no further than this page.
import { takeHostKey } from "./host-link.js";

const sessionId = location.pathname.split("/").pop();
if (takeHostKey(sessionId)) location.replace(`${location.pathname}?host${location.hash}`);
