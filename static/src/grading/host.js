// The interviewer's grading tools, loaded (import()) only once the server welcomes this page as a host, so a
// candidate's page never downloads them: the "Tests" tab (hidden tests run in this page's own worker) and the
// "Scorecard" tab. Messages that came before this module loaded are handed over by GradingInbox.
import { HiddenTestsPanel } from "../ui/hidden-tests-panel.js";
import { ScorecardPanel } from "../ui/scorecard.js";
import { HiddenTests } from "./hidden-tests.js";
import { openReport } from "./report.js";
import { VersionTexts } from "./version-texts.js";

/**
 * Wires the tabs; returns {tests, scorecard}.
 * @param {{connection: any, collab: any, presence: any, tabs: any, inbox: import("./inbox.js").GradingInbox,
 *   sessionId: string, hostKey: string, timeLimitMs: number, language: () => string, toast: any}} page
 */
export function startHostGrading({ connection, collab, presence, tabs, inbox, sessionId, hostKey, timeLimitMs, language, toast }) {
  const texts = new VersionTexts({ connection, collab });
  const tests = new HiddenTests({
    connection, texts, language, timeLimitMs,
    isHost: (id) => presence.participant(id)?.role === "host",
  });
  const testsPanel = new HiddenTestsPanel({ tests, language });
  const scorecard = new ScorecardPanel({ connection, sessionId });
  testsPanel.setTab(tabs.registerPanel({ id: "tests", label: "Tests", order: 40, hostOnly: true, element: testsPanel.root }));
  tabs.registerPanel({ id: "scorecard", label: "Scorecard", order: 50, hostOnly: true, element: scorecard.root });
  scorecard.addEventListener("open-report", async () => {
    try {
      await openReport(sessionId, hostKey);
    } catch (failure) {
      toast.show(`Could not open the report: ${failure.message}`);
    }
  });
  for (const message of inbox.handOver()) {
    tests.receive(message);
    scorecard.receive(message);
  }
  return { tests, scorecard };
}
