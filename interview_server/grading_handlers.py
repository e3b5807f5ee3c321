"""The handlers of the grading messages (hidden-check results, scorecards, the timer): hosts send them; what
they produce goes to hosts only, except the timer and the summary a problem lets candidates see."""

from __future__ import annotations

import logging

from . import protocol
from .handlers import Context, handles
from .lti.ags import grade_in_background
from .protocol import ProtocolError, ReportHiddenResults, SetScorecard, SetTimer

log = logging.getLogger(__name__)


@handles(ReportHiddenResults)
async def _report_hidden_results(ctx: Context, message: ReportHiddenResults) -> None:
    grading = ctx.session.grading
    if message.version > ctx.session.version:
        raise ProtocolError(
            f"report_hidden_results: version {message.version} is ahead of the session (at {ctx.session.version})"
        )
    if grading.has_result_for_run(message.run_id):
        return  # another host's browser reported this run first: theirs stands
    result = grading.new_result(message, ctx.peer.public())
    await grading.add_result(result)  # stored before anyone sees it
    ctx.share(protocol.hidden_results(result), hosts_only=True)
    grade_in_background(ctx.app, ctx.session.session_id, result["passed"], result["total"])  # an LMS learner's
    summary = grading.candidate_summary(result)
    if summary is not None:
        ctx.share(protocol.hidden_summary(summary))


@handles(SetScorecard)
async def _set_scorecard(ctx: Context, message: SetScorecard) -> None:
    grading, peer = ctx.session.grading, ctx.peer
    criteria = {criterion["name"] for criterion in grading.rubric()}
    unknown = sorted(set(message.scores) - criteria)
    if unknown:
        raise ProtocolError(f"set_scorecard: {unknown[0][:60]!r} is not a criterion of this session's rubric")
    scales = {criterion["name"]: criterion["scale"] for criterion in grading.rubric()}
    if any(score > scales[name] for name, score in message.scores.items()):
        raise ProtocolError("set_scorecard: a score is above its criterion's scale")
    card = {
        "card": message.card,
        "by": peer.id,
        "name": peer.name,
        "scores": message.scores,
        "comment": message.comment,
        "recommendation": message.recommendation,
    }
    try:
        saved = await grading.save_scorecard(card, message.version)
    except ValueError as error:
        raise ProtocolError(f"set_scorecard: {error}") from None
    if saved:
        ctx.share(protocol.scorecard(grading.scorecards[message.card]), hosts_only=True)
        if message.scores:  # an LMS learner's session: the card's scores of their maximum (lti/ags.py)
            maximum = sum(scales[name] for name in message.scores)
            grade_in_background(ctx.app, ctx.session.session_id, sum(message.scores.values()), maximum, message.comment)
    else:  # saved meanwhile (another tab of this host): here is the current card to write on
        current = grading.scorecards.get(message.card)
        if current is not None:
            peer.send(protocol.scorecard(current))


@handles(SetTimer)
async def _set_timer(ctx: Context, message: SetTimer) -> None:
    grading = ctx.session.grading
    try:
        timer = grading.timer_after(message.action, message.minutes)
    except ValueError as error:
        raise ProtocolError(f"set_timer: {error}") from None
    await grading.set_timer(timer, message.action, ctx.peer.public())
    ctx.share(protocol.timer(grading.timer_state()))
