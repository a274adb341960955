"""The producer's sending half (as Kafka clients split RecordAccumulator and
Sender): a thread that takes closed batches from the Producer, finds each
partition's leader (see _router), and writes the batch on a ProduceStream to
it, with up to max_in_flight requests outstanding; a reader thread per
stream resolves each batch's future from the in-order responses.

When a partition's route changes, its next batch waits until the ones in
flight on the old stream are answered, so a change of route never reorders
its records. Failed requests are not retried (a retry could reorder
records): their futures fail with the broker's error; the next batch opens
a new stream if the old one broke.

Its state is guarded by the Producer's condition variable (`cond`), which
also guards the batches it is handed.
"""

from __future__ import annotations

import threading
from typing import Callable, Dict, List, Optional

import grpc

from ._call_watch import CallWatch, wait_for_broker
from ._produce_stream import Batch, InFlightRoutes, ProduceStream, batch_outcome, moved_or_gone
from ._router import Router
from ._stubs import pb, pb_grpc
from ._wire import encode_produce_request
from .errors import EventLogError, UnavailableError, error_from_code, error_from_rpc

__all__ = ["BatchSource", "Sender"]


class BatchSource:
    """What the Sender needs of the Producer's batches; every method but
    topic_gone requires the shared condition variable."""

    def next_batch(self, can_send: Callable[[], bool]) -> Optional[Batch]:
        """Waits for a closed batch while can_send(); None once closed and
        everything has been handed out."""
        raise NotImplementedError

    def take_queued(self) -> List[Batch]:
        """Removes and returns the closed batches not yet handed out."""
        raise NotImplementedError

    def finished(self, batch: Batch) -> None:
        """A batch was acknowledged or failed."""
        raise NotImplementedError

    def topic_gone(self, topic: str) -> None:
        """The broker no longer knows `topic` (deleted or recreated)."""
        raise NotImplementedError


class Sender:
    def __init__(
        self,
        cond: threading.Condition,
        source: BatchSource,
        channel: grpc.Channel,
        router: Router,
        *,
        acks: int,
        max_in_flight: int,
        connect_timeout: float,
        on_unreachable: Callable[[EventLogError], None],
    ) -> None:
        self._cond = cond
        self._source = source
        self._channel = channel  # the bootstrap broker's
        self._stub = pb_grpc.EventLogStub(channel)  # type: ignore[no-untyped-call]
        self._router = router
        self._acks = acks
        self._max_in_flight = max_in_flight
        self._connect_timeout = connect_timeout
        self._on_unreachable = on_unreachable
        self._streams: Dict[Optional[str], ProduceStream] = {}  # guarded by _cond; by leader address
        self._routes = InFlightRoutes()  # guarded by _cond
        self._readers: List[threading.Thread] = []  # guarded by _cond
        self._in_flight = 0  # guarded by _cond
        self._next_request_id = 1  # guarded by _cond
        self._thread = threading.Thread(target=self._run, name="eventlog-producer", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def join(self, timeout: Optional[float]) -> None:
        """Waits until every batch has been handed to a stream."""
        self._thread.join(timeout)

    def close(self, timeout: Optional[float]) -> None:
        """Ends the streams (after join() and the last acknowledgements)."""
        with self._cond:
            streams, self._streams = list(self._streams.values()), {}
            readers = list(self._readers)
        for stream in streams:
            stream.end()
        for reader in readers:
            reader.join(5.0 if timeout is None else timeout)

    def _can_send(self) -> bool:
        return self._in_flight < self._max_in_flight

    def _run(self) -> None:
        while True:
            with self._cond:
                batch = self._source.next_batch(self._can_send)
                if batch is None:
                    return
            address = self._router.route(batch.topic, batch.partition)
            with self._cond:
                self._drain_other_routes(batch, address)
                connected = address in self._streams
            # A stream opened while the broker is away can hang (see _call_watch).
            if not connected and address is not None:
                leader = pb_grpc.EventLogStub(self._router.channel(address))  # type: ignore[no-untyped-call]
                if wait_for_broker(leader, batch.topic, lambda: True, min(1.0, self._connect_timeout)) is not None:
                    self._router.invalidate(address)  # unreachable: through the bootstrap broker, which forwards
                    address = None
                    with self._cond:
                        connected = address in self._streams
            if not connected and address is None:
                unreachable = wait_for_broker(
                    self._stub, batch.topic, lambda: True, self._connect_timeout, self._on_unreachable
                )
                if unreachable is not None:
                    self._fail_unsent(batch, unreachable)
                    continue
            with self._cond:
                self._dispatch(batch, address)

    def _fail_unsent(self, batch: Batch, error: EventLogError) -> None:
        """Fails `batch`, and when the broker is unreachable also the batches
        queued behind it."""
        with self._cond:
            batches = [batch]
            if error.code == grpc.StatusCode.UNAVAILABLE:
                batches += self._source.take_queued()
        for b in batches:
            b.fail(error)
        with self._cond:
            for b in batches:
                self._source.finished(b)

    def _drain_other_routes(self, batch: Batch, address: Optional[str]) -> None:
        """Requires _cond. Waits until no batch of the partition is in flight
        on a stream other than the one to `address` (only this thread
        dispatches, so none can start meanwhile). Then falling back to the
        bootstrap stream is safe too: nothing of the partition is in flight."""
        while self._routes.elsewhere(batch.topic, batch.partition, address):
            self._cond.wait()

    def _dispatch(self, batch: Batch, address: Optional[str]) -> None:
        """Requires _cond. Writes a request on the stream to `address` (None:
        the bootstrap channel), opening one if needed; keeping both steps
        under _cond keeps inflight in order."""
        request_id = self._next_request_id
        self._next_request_id += 1
        request = encode_produce_request(batch.topic, batch.partition, batch.records, self._acks, request_id)
        batch.records = []  # the request holds the bytes now
        stream = self._streams.get(address)
        if stream is None:
            stream = self._open_stream(address)
        stream.inflight.append((request_id, batch))
        self._routes.sent(batch.topic, batch.partition, address)
        self._in_flight += 1
        stream.requests.put(request)

    def _open_stream(self, address: Optional[str]) -> ProduceStream:
        """Requires _cond. A new stream to `address`, with its reader."""
        stream = ProduceStream(self._channel if address is None else self._router.channel(address), address)
        reader = threading.Thread(
            target=self._read_responses, args=(stream,), name="eventlog-producer-reader", daemon=True
        )
        stream.watch = CallWatch(stream.call, lambda call, _: self._end_stream(stream, error_from_rpc(call)))
        stream.watch.reader = reader
        self._streams[address] = stream
        self._readers = [r for r in self._readers if r.is_alive()] + [reader]
        reader.start()
        return stream

    def _landed(self, batch: Batch) -> None:
        """Requires _cond. A batch is no longer in flight."""
        self._routes.landed(batch.topic, batch.partition)

    def _read_responses(self, stream: ProduceStream) -> None:
        assert stream.watch is not None
        error: Optional[EventLogError] = None
        try:
            for response in stream.call:
                if stream.watch.abandoned:
                    return
                with self._cond:
                    request_id, batch = stream.inflight.popleft()
                    self._landed(batch)
                    self._in_flight -= 1
                    self._cond.notify_all()
                self._complete(batch, request_id, response)
                with self._cond:
                    self._source.finished(batch)
        except grpc.RpcError as e:
            error = error_from_rpc(e)
        except IndexError:  # a response nobody asked for
            error = error_from_code(grpc.StatusCode.INTERNAL, "unexpected ProduceStream response")
        if stream.watch.claim():
            self._end_stream(stream, error)

    def _end_stream(self, stream: ProduceStream, error: Optional[EventLogError]) -> None:
        """Fails what is still in flight on an ended stream."""
        with self._cond:
            if self._streams.get(stream.address) is stream:
                del self._streams[stream.address]
            failed = list(stream.inflight)
            stream.inflight.clear()
            for _, batch in failed:
                self._landed(batch)
            self._in_flight -= len(failed)
            reader = stream.watch.reader if stream.watch is not None else None
            self._readers = [r for r in self._readers if r is not reader]
            self._cond.notify_all()
        stream.end()
        if error is not None and error.code != grpc.StatusCode.OK:
            self._router.invalidate(stream.address)  # a broker went away, or leads something else now
        if error is None or error.code == grpc.StatusCode.OK:
            error = UnavailableError(grpc.StatusCode.UNAVAILABLE, "produce stream ended with requests in flight")
        for _, batch in failed:
            batch.fail(error)
        with self._cond:
            for _, batch in failed:
                self._source.finished(batch)

    def _complete(self, batch: Batch, request_id: int, response: pb.ProduceResponse) -> None:
        outcome = batch_outcome(batch.partition, batch.count, request_id, response)
        if isinstance(outcome, int):
            batch.outcome.future.set_result(outcome)
            return
        if outcome.code == grpc.StatusCode.NOT_FOUND:
            self._source.topic_gone(batch.topic)
        if moved_or_gone(outcome):
            self._router.invalidate()
        batch.fail(outcome)
