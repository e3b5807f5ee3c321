"""Who is in one live session and what they hear: connection counts over all instances, the participant
list, and frames shared with everyone here and, in order, with the other instances."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from . import protocol
from .grading import GRADING_FRAMES
from .hub import Hub, Peer
from .presence import pick_color
from .protocol import Update
from .store import SessionStore
from .tasks import TaskOwner

if TYPE_CHECKING:
    from .session import Session

log = logging.getLogger(__name__)


class Audience:
    """The peers of one session, here and (through the store) on other instances.

    Joining and leaving answer at once with the best estimate of the total (so nothing awaits between a
    join and its session_state); `sync_presence` then asks the store and corrects everyone if other
    instances make the total differ. Also the session's SessionListener: accepted updates go to the
    peers here."""

    def __init__(
        self, session_id: str, hub: Hub, store: SessionStore, tasks: TaskOwner, clock: Callable[[], float] = time.time
    ):
        self.session_id = session_id
        self._hub = hub
        self._store = store
        self._tasks = tasks
        self._clock = clock
        self.total: int | None = None  # connections over all instances, as last told to peers here
        self._syncing: bool | None = None  # a presence sync in flight (True: run it again when done)
        self._announcing: bool | None = None  # a participant announcement in flight (True: again when done)
        self._announced = ""  # this instance's participant list as last told to the others

    # ---- connections ----

    def join(self, peer: Peer) -> int:
        """Add a peer here; the estimated total of connections."""
        self._hub.join(peer)
        self.total = max(self._hub.count(self.session_id), (self.total or 0) + 1)
        return self.total

    def leave(self, peer: Peer) -> int:
        """Remove a peer; the estimated total of connections left."""
        remaining = self._hub.leave(peer)
        self.total = max(remaining, (1 if self.total is None else self.total) - 1)
        return self.total

    def known_total(self) -> int:
        """The total of connections as last told to the peers here."""
        return self._hub.count(self.session_id) if self.total is None else self.total

    async def sync_presence(self) -> None:
        """Publish this instance's count and correct the peers here if the total differs.

        One sync at a time; a join or leave meanwhile makes it run again, so an answer about an older
        count never overrides a newer estimate."""
        if self._syncing is not None:
            self._syncing = True
            return
        self._syncing = False
        try:
            while True:
                total = await self._store.set_presence(self.session_id, self._hub.count(self.session_id))
                if not self._syncing:
                    self.presence_changed(total)
                    return
                self._syncing = False
        finally:
            self._syncing = None

    def presence_changed(self, total: int) -> None:
        """The store's total of connections (after a sync, or told by another instance)."""
        last = self.total
        if last is None or self._hub.count(self.session_id) == 0:
            return
        self.total = total
        if total != last:
            self._hub.broadcast(
                self.session_id, protocol.user_joined(total) if total > last else protocol.user_left(total)
            )
            if total < last:  # perhaps an instance died: its participants are gone too
                self._tasks.spawn(self.announce_participants(), f"announce participants of {self.session_id}")

    # ---- participants (connections that said hello) ----

    async def participants(self, excluding: Peer | None = None) -> list[dict]:
        """Everyone who said hello, on every instance (but `excluding`): {id, name, color, role}."""
        here = [peer.public() for peer in self._hub.peers(self.session_id) if peer.introduced and peer is not excluding]
        return here + await self._store.people(self.session_id)

    def in_call_here(self, excluding: Peer) -> int:
        """How many are in the call on this instance now (but `excluding`)."""
        return sum(1 for peer in self._hub.peers(self.session_id) if peer.call and peer is not excluding)

    async def in_call_elsewhere(self) -> int:
        """How many are in the call on other instances, as the store last heard."""
        return sum(1 for person in await self._store.people(self.session_id) if person.get("call"))

    def silent_peer_to_evict(self) -> Peer | None:
        """The connection here that has gone longest without saying hello (it holds no participant's place)."""
        return next((peer for peer in self._hub.peers(self.session_id) if not peer.introduced), None)

    def introduce(self, peer: Peer, name: str | None, others: list[dict]) -> None:
        """Make a peer a participant: its name, and a colour none of the `others` (`participants`) has."""
        peer.color = pick_color(person["color"] for person in others)
        peer.name = name or peer.name
        peer.joined_at = self._clock()
        peer.introduced = True

    async def announce_participants(self) -> None:
        """Tell the participants here who is connected over all instances (after a hello, a leave or a rename,
        here or elsewhere). One announcement at a time; a change meanwhile makes it ask again, so an older list
        never overrides a newer one."""
        if self._announcing is not None:
            self._announcing = True
            return
        self._announcing = False
        try:
            while True:
                local = [
                    {**peer.public(), "since": peer.joined_at, **({"call": peer.call} if peer.call else {})}
                    for peer in self._hub.peers(self.session_id)
                    if peer.introduced
                ]
                # Other instances hear of it only when our own list changed: their announcement, relayed
                # back here, must not bounce back to them again and again.
                fingerprint = json.dumps(local, sort_keys=True)
                everyone = await self._store.set_people(self.session_id, local, notify=self._announced != fingerprint)
                self._announced = fingerprint
                if not self._announcing:
                    break
                self._announcing = False
        finally:
            self._announcing = None
        people = [
            {
                "id": person["id"],
                "name": person["name"],
                "color": person["color"],
                "role": person.get("role", "candidate"),
                **({"call": person["call"]} if person.get("call") else {}),  # in the call: {audio, video}
            }
            for person in sorted(everyone, key=lambda person: person["since"])
        ]
        if self._hub.count(self.session_id):
            self._hub.broadcast(self.session_id, protocol.participants(people), introduced_only=True)

    # ---- frames ----

    def share(self, frame: str, exclude: Peer | None = None, hosts_only: bool = False) -> None:
        """Send a frame to the participants here (but `exclude`; only hosts if asked) and, in order, to the
        other instances (which pass it on in the same way)."""
        self._hub.broadcast(self.session_id, frame, exclude=exclude, introduced_only=True, hosts_only=hosts_only)
        if self._store.shared:
            self._publish(frame)

    def send_to(self, participant_id: str, frame: str) -> None:
        """Send a frame to one participant: here if they are connected here, else through the other instances
        (the one they are on passes it on; the others drop it)."""
        if self._deliver(participant_id, frame):
            return
        if self._store.shared:
            self._publish(frame)

    def _deliver(self, participant_id: str, frame: str) -> bool:
        """Send to the participant's sockets here; whether they have any."""
        peers = [peer for peer in self._hub.peers(self.session_id) if peer.id == participant_id and peer.introduced]
        for peer in peers:
            peer.send(frame)
        return bool(peers)

    def _publish(self, frame: str) -> None:
        """Send a frame to the other instances, after the ones before it (the store keeps them in order)."""
        self._store.publish(self.session_id, frame).add_done_callback(self._relay_failed)

    def _relay_failed(self, sent: asyncio.Future) -> None:
        if not sent.cancelled() and sent.exception() is not None:
            # The others miss a cursor or a chunk of output; nothing stored is lost.
            log.warning(
                "could not relay a frame of session %s to other instances: %s", self.session_id, sent.exception()
            )

    def relayed(self, session: Session, frame: str) -> None:
        """A frame another instance shared: remember what late joiners need, then pass it on."""
        if not frame:  # participants changed there
            self._tasks.spawn(self.announce_participants(), f"announce participants of {self.session_id}")
            return
        try:
            message = json.loads(frame)
            type_, data = message["type"], message["data"]
            hosts_only = type_ in protocol.HOST_ONLY_MESSAGE_TYPES
            if type_ == "call_signal":  # for one participant, who may be here
                self._deliver(data["to"], frame)
                return
            if type_ in ("comment_thread", "comment_removed"):
                self._comment_relayed(session, type_, data)
                return
            if type_ == "integrity":
                session.integrity.ingest(data["event"])
            elif type_ == "language":
                session.language = data["language"]
            elif type_ == "session_info":
                # Another instance's change: the store has it (saved before the frame was sent). Read it from
                # there, not from the frame: two hosts on two instances changing different things at once
                # would otherwise each end with the other's stale copy of the rest.
                self._tasks.spawn(self._reload_host_settings(session), f"reload host settings of {self.session_id}")
                return
            elif type_ == "notes":
                session.host.ingest_notes(data)
            elif type_ in GRADING_FRAMES:
                session.grading.ingest(type_, data)
            else:
                session.activity.ingest(type_, data)
        except (ValueError, KeyError, TypeError):
            log.warning("ignored a malformed frame relayed for session %s", self.session_id)
            return
        self._hub.broadcast(self.session_id, frame, introduced_only=True, hosts_only=hosts_only)

    def _comment_relayed(self, session: Session, type_: str, data: dict) -> None:
        """Another instance's thread, merged with ours (comments made at once on two instances all stay): our merged
        thread to the participants here (hosts-only threads to hosts only), stored again if ours had more."""
        comments = session.comments
        if type_ == "comment_thread":
            thread, ahead = comments.merge(data["thread"], session.map_anchor)
            frame = protocol.comment_thread(thread.public())
        else:
            thread = comments.thread_or_none(data["thread"])
            if thread is None:
                return  # never known here: nobody here to tell
            ahead = not comments.remove_if_empty(thread.id)  # a comment made here meanwhile keeps it: stored again
            frame = protocol.comment_thread(thread.public()) if ahead else protocol.comment_removed(thread.id)
        if ahead:
            self._tasks.spawn(comments.save(thread), f"store a merged comment thread of {self.session_id}")
        self._hub.broadcast(self.session_id, frame, introduced_only=True, hosts_only=thread.visibility != "everyone")

    def relay_only(self, frame: str) -> None:
        """A frame for the other instances only (the participants here have it another way)."""
        if self._store.shared:
            self._publish(frame)

    async def _reload_host_settings(self, session: Session) -> None:
        """Take title, lock, end and problem from the store and tell the participants here."""
        try:
            record = await self._store.get(self.session_id)
        except Exception:
            log.exception("could not reload the host settings of session %s", self.session_id)
            return
        if record is None:  # deleted (the admin dashboard): its sockets here are closed, never to reconnect
            await self.close_all(protocol.CLOSE_SESSION_NOT_FOUND, "session deleted")
        elif session.host.reload(record.meta):
            self._hub.broadcast(self.session_id, protocol.session_info(session.host.info()), introduced_only=True)

    async def close_all(self, code: int, reason: str) -> None:
        """Close every socket of the session here, after what is queued for it, with `code` and `reason`."""
        peers = self._hub.peers(self.session_id)
        for peer in peers:
            peer.send(protocol.error(f"{reason}: this connection is closed"))
            peer.write_pending()
        await asyncio.gather(*(peer.ws.close(code=code, message=reason.encode()) for peer in peers))

    # ---- SessionListener: the session's changes, to its peers here ----

    def updates_accepted(
        self,
        session: Session,
        version_before: int,
        updates: list[Update],
        cursor: Sequence[tuple[int, int]] | None = None,
    ) -> None:
        """Accepted updates to every peer here; the sender's cursor after them rides along (one frame where
        there were two), and goes to the other instances as a `cursor` of its own."""
        sender = self._peer(updates[-1].participant) if cursor else None
        if sender is None or not sender.introduced:
            self._hub.broadcast(self.session_id, protocol.updates(version_before, updates))
            return
        version = version_before + len(updates)
        data = protocol.cursor_data(sender.public(), version, cursor)
        self._hub.broadcast(self.session_id, protocol.updates(version_before, updates, data))
        sender.cursors.sent_along()  # an older cursor it was holding back must not follow this one
        if self._store.shared:
            self._publish(protocol.cursor(sender.public(), version, cursor))

    def _peer(self, peer_id: str) -> Peer | None:
        return next((peer for peer in self._hub.peers(self.session_id) if peer.id == peer_id), None)

    def text_reset(self, session: Session) -> None:
        self._hub.broadcast(
            self.session_id, protocol.session_state(session.code, session.language, self.known_total(), session.version)
        )
