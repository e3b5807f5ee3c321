"""Creating sessions, one live authority per session in use, fan-out of its changes, and expiry."""

from __future__ import annotations

import asyncio
import collections
import json
import logging
import re
import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING
from datetime import datetime, timezone

from . import protocol
from . import hosting
from .activity import Activity
from .hosting import HostSettings
from .hub import Hub, Peer
from .limits import DEFAULT_VERSION_RATE, session_versions
from .presence import pick_color
from .protocol import LANGUAGES, Update
from .session import DEFAULT_MAX_DOCUMENT_BYTES, Session
from .store import SessionRecord, SessionStore

if TYPE_CHECKING:
    from .problems import Problem

log = logging.getLogger(__name__)

__all__ = ["LANGUAGES", "DEFAULT_LANGUAGE", "SessionRegistry", "is_session_id"]

DEFAULT_LANGUAGE = "python"
STARTER_CODE = {
    "python": 'def greet(name):\n    return f"Hello, {name}!"\n\n\nprint(greet("world"))\n',
    "javascript": 'function greet(name) {\n  return `Hello, ${name}!`;\n}\n\nconsole.log(greet("world"));\n',
}

_SESSION_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


def is_session_id(value: str) -> bool:
    """True for a lowercase uuid4 string, the only shape of session id this server issues (matched whole:
    `$` would let a trailing newline through)."""
    return _SESSION_ID.fullmatch(value) is not None


class SessionRegistry:
    """Creates sessions in the store, hands out the live Session of each one in use, and expires idle ones."""

    def __init__(self, store: SessionStore, hub: Hub, session_ttl: float, clock: Callable[[], float] = time.time,
                 max_document_bytes: int = DEFAULT_MAX_DOCUMENT_BYTES, version_rate: float = DEFAULT_VERSION_RATE):
        self._store = store
        self._version_rate = version_rate
        self._max_document_bytes = max_document_bytes
        self._hub = hub
        self._ttl = session_ttl
        self._clock = clock
        self._live: dict[str, Session] = {}
        self._totals: dict[str, int] = {}  # connections over all instances, as last told to peers
        self._syncing: dict[str, bool] = {}  # presence syncs in flight -> "run again when done"
        self._opening: dict[str, int] = {}  # opens in progress per session
        self._announcing: dict[str, bool] = {}  # participant announcements in flight -> "ask again when done"
        self._announced_people: dict[str, str] = {}  # this instance's participant list as last told to the others
        self._outgoing: collections.deque[tuple[str, str]] = collections.deque()  # frames for other instances
        self._publisher: asyncio.Task | None = None

    async def create(self, language: str | None = None, problem: Problem | None = None,
                     title: str = "") -> tuple[SessionRecord, str]:
        """A new session (with `problem`'s prompt and starter code, if given) and its host key. Without a
        language: the problem's first, else DEFAULT_LANGUAGE."""
        now = self._clock()
        host_key = hosting.new_host_key()
        language = problem.language_for(language) if problem is not None else language or DEFAULT_LANGUAGE
        text = problem.starters[language] if problem is not None else STARTER_CODE.get(language, "")
        record = SessionRecord(
            session_id=str(uuid.uuid4()),
            language=language,
            created_at=datetime.fromtimestamp(now, timezone.utc),
            text=text,
            version=0,
            last_active=now,
            meta={hosting.KEY_DIGEST: hosting.key_digest(host_key), hosting.START_TEXT: text,
                  hosting.TITLE: title or (problem.title if problem else ""),
                  hosting.PROBLEM: problem.shown() if problem else None},
        )
        await self._store.create(record)
        return record, host_key

    async def get_record(self, session_id: str) -> SessionRecord | None:
        """The session's stored state (live sessions answer from memory)."""
        live = self._live.get(session_id)
        if live is not None:
            return SessionRecord(live.session_id, live.language, live.created_at, live.code, live.version,
                                 meta=live.host.meta())
        return await self._store.get(session_id)

    async def open(self, session_id: str) -> Session | None:
        """The live authority of a session, loaded from the store on first use; None if unknown.

        Opening counts as activity: it postpones expiry.
        """
        # While an open is under way, `release` must not drop the session it is about to hand out.
        self._opening[session_id] = self._opening.get(session_id, 0) + 1
        try:
            session = self._live.get(session_id)
            if session is None:
                record = await self._store.get(session_id)
                if record is None:
                    return None
                # Another connection may have loaded it while we awaited the store.
                session = self._live.get(session_id)
                if session is None:
                    session = Session(record, self._store, self, self._clock, self._max_document_bytes)
                    session.activity = Activity(session_id, self._store, self._clock)
                    session.host = HostSettings(session_id, record.meta, self._store)
                    session.versions = session_versions(self._version_rate)
                    self._live[session_id] = session
                    await session.activity.load()
                    await self._store.watch(session_id, session.catch_up,
                                            lambda total: self._presence_changed(session_id, total),
                                            lambda frame: self._relayed(session, frame))
            if session_id not in self._totals:
                # Others may be connected through other instances: start the estimate from their count.
                total = await self._store.presence(session_id)
                if total is not None and session_id not in self._totals:
                    self._totals[session_id] = total
            await self._store.touch(session_id, self._clock())
            return session
        finally:
            self._opening[session_id] -= 1
            if not self._opening[session_id]:
                del self._opening[session_id]

    def live_count(self) -> int:
        """Sessions held open here (someone connected or joining)."""
        return len(self._live)

    async def release(self, session_id: str) -> None:
        """Drop the live authority once nobody here is connected or joining (the store keeps the state)."""
        if self._hub.count(session_id) or self._opening.get(session_id):
            return
        if self._live.pop(session_id, None) is not None:
            self._totals.pop(session_id, None)
            self._announced_people.pop(session_id, None)
            try:
                await self._store.unwatch(session_id)
                await self._store.touch(session_id, self._clock())
            except Exception:  # the session is released here anyway; at worst its idle time starts earlier
                log.exception("could not tell the store that session %s is no longer open here", session_id)

    # Presence: connections over all instances. Joining and leaving answer at once with the best
    # estimate (so nothing awaits between a join and its session_state), then `sync_presence`
    # asks the store and corrects everyone if other instances make the total differ.

    def join(self, peer: Peer) -> int:
        """Add a peer here; the estimated total of connections."""
        self._hub.join(peer)
        estimate = max(self._hub.count(peer.session_id), self._totals.get(peer.session_id, 0) + 1)
        self._totals[peer.session_id] = estimate
        return estimate

    def leave(self, peer: Peer) -> int:
        """Remove a peer; the estimated total of connections left."""
        remaining = self._hub.leave(peer)
        estimate = max(remaining, self._totals.get(peer.session_id, 1) - 1)
        self._totals[peer.session_id] = estimate
        return estimate

    async def sync_presence(self, session_id: str) -> None:
        """Publish this instance's count and correct the local peers if the total differs.

        One sync per session at a time; a join or leave meanwhile makes it run again, so an answer
        about an older count never overrides a newer estimate.
        """
        if session_id in self._syncing:
            self._syncing[session_id] = True
            return
        self._syncing[session_id] = False
        try:
            while True:
                total = await self._store.set_presence(session_id, self._hub.count(session_id))
                if not self._syncing[session_id]:
                    self._presence_changed(session_id, total)
                    return
                self._syncing[session_id] = False
        finally:
            del self._syncing[session_id]

    def _presence_changed(self, session_id: str, total: int) -> None:
        last = self._totals.get(session_id)
        if last is None or self._hub.count(session_id) == 0:
            return
        self._totals[session_id] = total
        if total != last:
            message = protocol.user_joined(total) if total > last else protocol.user_left(total)
            self._hub.broadcast(session_id, message)
            if total < last:  # perhaps an instance died: its participants are gone too
                asyncio.ensure_future(self.announce_participants(session_id))

    async def participants(self, session_id: str, excluding: Peer | None = None) -> list[dict]:
        """Everyone who said hello, on every instance (but `excluding`): {id, name, color, role}."""
        here = [peer.public() for peer in self._hub.peers(session_id) if peer.introduced and peer is not excluding]
        return here + await self._store.people(session_id)

    def silent_peer_to_evict(self, session_id: str) -> Peer | None:
        """The connection here that has gone longest without saying hello (it holds no participant's place)."""
        return next((peer for peer in self._hub.peers(session_id) if not peer.introduced), None)

    def known_total(self, session_id: str) -> int:
        """The total of connections as last told to this instance's peers."""
        return self._totals.get(session_id, self._hub.count(session_id))

    async def active_users(self, session_id: str) -> int:
        total = await self._store.presence(session_id)
        return self._hub.count(session_id) if total is None else total

    async def sweep(self, now: float | None = None) -> list[str]:
        """Delete sessions idle longer than the TTL, with their history; those in use are kept."""
        now = self._clock() if now is None else now
        deleted = []
        for session_id in await self._store.expired(now - self._ttl):
            if self._hub.count(session_id):
                await self._store.touch(session_id, now)
                continue
            await self._store.delete(session_id)
            deleted.append(session_id)
        if deleted:
            log.info("deleted %d idle session(s)", len(deleted))
        return deleted

    # Names, cursors, language, runs and chat: to the peers here, and through the store to other instances.

    def introduce(self, peer: Peer, name: str | None, others: list[dict]) -> None:
        """Make a peer a participant: its name, and a colour none of the `others` (`participants`, every instance)
        has."""
        peer.color = pick_color(person["color"] for person in others)
        peer.name = name or peer.name
        peer.joined_at = self._clock()
        peer.introduced = True

    async def announce_participants(self, session_id: str) -> None:
        """Tell the participants here who is connected over all instances (after a hello, a leave or
        a rename, here or elsewhere). One announcement per session at a time; a change meanwhile
        makes it ask again, so an older list never overrides a newer one."""
        if session_id in self._announcing:
            self._announcing[session_id] = True
            return
        self._announcing[session_id] = False
        try:
            while True:
                local = [{**peer.public(), "since": peer.joined_at}
                         for peer in self._hub.peers(session_id) if peer.introduced]
                # Other instances hear of it only when our own list changed: their announcement,
                # relayed back here, must not bounce back to them again and again.
                fingerprint = json.dumps(local, sort_keys=True)
                changed = self._announced_people.get(session_id) != fingerprint
                everyone = await self._store.set_people(session_id, local, notify=changed)
                self._announced_people[session_id] = fingerprint
                if not self._announcing[session_id]:
                    break
                self._announcing[session_id] = False
        finally:
            del self._announcing[session_id]
        people = [{"id": person["id"], "name": person["name"], "color": person["color"],
                   "role": person.get("role", "candidate")}
                  for person in sorted(everyone, key=lambda person: person["since"])]
        if self._hub.count(session_id):
            self._hub.broadcast(session_id, protocol.participants(people), introduced_only=True)

    def share(self, session_id: str, frame: str, exclude: Peer | None = None, hosts_only: bool = False) -> None:
        """Send a frame to the session's participants here (but `exclude`; only hosts if asked) and, in
        order, to the other instances (which pass it on in the same way)."""
        self._hub.broadcast(session_id, frame, exclude=exclude, introduced_only=True, hosts_only=hosts_only)
        if self._store.shared:
            self._outgoing.append((session_id, frame))
            if self._publisher is None or self._publisher.done():
                self._publisher = asyncio.create_task(self._publish_outgoing())

    async def _publish_outgoing(self) -> None:
        while self._outgoing:
            session_id, frame = self._outgoing.popleft()
            try:
                await self._store.publish(session_id, frame)
            except Exception as exc:  # the others miss a cursor or a chunk of output; nothing stored is lost
                log.warning("could not relay a frame of session %s to other instances: %s", session_id, exc)

    def _relayed(self, session: Session, frame: str) -> None:
        """A frame another instance shared: remember what late joiners need, then pass it on."""
        if not frame:  # participants changed there
            asyncio.ensure_future(self.announce_participants(session.session_id))
            return
        try:
            message = json.loads(frame)
            type_, data = message["type"], message["data"]
            if type_ == "language":
                session.language = data["language"]
            elif type_ == "session_info":
                # Another instance's change: the store has it (saved before the frame was sent). Read it
                # from there, not from the frame: two hosts on two instances changing different things at
                # once would otherwise each end with the other's stale copy of the rest.
                asyncio.ensure_future(self._reload_host_settings(session))
                return
            elif type_ == "notes":
                session.host.ingest_notes(data)
            else:
                session.activity.ingest(type_, data)
        except (ValueError, KeyError, TypeError):
            log.warning("ignored a malformed frame relayed for session %s", session.session_id)
            return
        self._hub.broadcast(session.session_id, frame, introduced_only=True, hosts_only=type_ == "notes")

    async def _reload_host_settings(self, session: Session) -> None:
        """Take title, lock, end and problem from the store and tell the participants here."""
        try:
            record = await self._store.get(session.session_id)
        except Exception:
            log.exception("could not reload the host settings of session %s", session.session_id)
            return
        if record is not None and session.host.reload(record.meta):
            self._hub.broadcast(session.session_id, protocol.session_info(session.host.info()), introduced_only=True)

    # SessionListener: fan a live session's changes out to its peers on this instance.

    def updates_accepted(self, session: Session, version_before: int, updates: list[Update]) -> None:
        self._hub.broadcast(session.session_id, protocol.updates(version_before, updates))

    def text_reset(self, session: Session) -> None:
        self._hub.broadcast(session.session_id, protocol.session_state(
            session.code, session.language, self.known_total(session.session_id), session.version))
