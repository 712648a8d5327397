"""A PC/SC card reader (pcscd through pyscard) with all card traffic on one worker thread.

PC/SC handles are not safe to share between threads, and a card read must not be interleaved
with another command; so one thread owns the context and the connection, callers queue requests
and get :class:`concurrent.futures.Future` results. A card pulled out mid-read becomes a
:class:`DeviceError` in both languages; the connection is dropped and the next card is read as
if nothing happened.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any, TypeVar

from station.devices import DeviceError, DeviceInfo, DeviceKind

T = TypeVar("T")
_STOP = object()


def _scard() -> Any:
    try:
        from smartcard import scard  # type: ignore[import-untyped]
    except ImportError as e:  # pragma: no cover - depends on the machine
        raise DeviceError(
            "Chưa cài pyscard (đọc thẻ qua PC/SC).",
            "pyscard is not installed (card reading through PC/SC).",
            field="card_reader",
        ) from e
    return scard


#: Seconds one APDU may take before the card counts as not answering.
APDU_TIMEOUT_S = 5.0
#: Seconds connecting or letting go of a card may take.
CONNECT_TIMEOUT_S = 5.0
RELEASE_TIMEOUT_S = 1.0


def not_answering_error() -> DeviceError:
    return DeviceError(
        "Thẻ không trả lời. Nhấc thẻ ra, đặt lại lên đầu đọc rồi đọc lại; nếu vẫn vậy, chip "
        "của thẻ có thể đã hỏng.",
        "The card does not answer. Lift it off the reader, put it back and read again; if it "
        "happens again, the card's chip may be damaged.",
        field="card_reader",
        code="card_not_answering",
    )


def removed_error() -> DeviceError:
    return DeviceError(
        "Thẻ đã bị rút ra khi đang đọc. Đặt lại thẻ vào đầu đọc và đọc lại.",
        "The card was removed while it was being read. Put it back on the reader and read again.",
        field="card_reader",
        code="card_removed",
    )


class CardReader:
    """One PC/SC reader; ``reader`` is its name or a part of it (None: whichever reader holds a
    card, so a station with two readers reads the card where it lies).

    Every call to the card has a deadline: an APDU ``apdu_timeout`` seconds, connecting
    ``CONNECT_TIMEOUT_S``. A card that stops answering ends in ``DeviceError(code=
    "card_not_answering")``; the worker thread may stay blocked inside PC/SC, so the reader is
    then marked stuck: later calls fail at once and closing does not wait for it."""

    def __init__(self, reader: str | None = None, apdu_timeout: float = APDU_TIMEOUT_S) -> None:
        self.wanted = reader
        self.apdu_timeout = apdu_timeout
        self.reader_name: str | None = None
        self.stuck = False
        self._requests: queue.Queue[Any] = queue.Queue()
        self._context: Any = None
        self._card: Any = None
        self._protocol: Any = None
        self._thread = threading.Thread(target=self._run, name="card-reader", daemon=True)
        self._thread.start()

    # --- worker ------------------------------------------------------------------------------

    def _run(self) -> None:
        while True:
            item = self._requests.get()
            if item is _STOP:
                self._do_disconnect()
                if self._context is not None:
                    _scard().SCardReleaseContext(self._context)
                    self._context = None
                return
            fn, future = item
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(fn())
            except BaseException as e:
                future.set_exception(e)

    def submit(self, fn: Callable[[], T]) -> Future[T]:
        """Run ``fn`` on the card thread."""
        future: Future[T] = Future()
        if not self._thread.is_alive():
            future.set_exception(DeviceError("Đầu đọc thẻ đã đóng.", "The card reader is closed."))
            return future
        self._requests.put((fn, future))
        return future

    def _call(self, fn: Callable[[], T], timeout: float | None = None) -> T:
        if self.stuck:
            raise not_answering_error()
        future = self.submit(fn)
        try:
            return future.result(timeout=timeout)
        except FutureTimeout:
            future.cancel()
            self.stuck = True
            raise not_answering_error() from None

    def _ctx(self) -> Any:
        sc = _scard()
        if self._context is None:
            rv, ctx = sc.SCardEstablishContext(sc.SCARD_SCOPE_USER)
            if rv != sc.SCARD_S_SUCCESS:
                raise DeviceError(
                    "Không kết nối được dịch vụ thẻ thông minh (pcscd chưa chạy?).",
                    "Cannot reach the smart-card service (is pcscd running?).",
                    field="card_reader",
                )
            self._context = ctx
        return self._context

    def _readers(self) -> list[str]:
        sc = _scard()
        rv, readers = sc.SCardListReaders(self._ctx(), [])
        if rv == sc.SCARD_E_NO_READERS_AVAILABLE:
            return []
        if rv != sc.SCARD_S_SUCCESS:
            self._context = None
            raise DeviceError(
                f"Không liệt kê được đầu đọc thẻ ({sc.SCardGetErrorMessage(rv)}).",
                f"Cannot list card readers ({sc.SCardGetErrorMessage(rv)}).",
                field="card_reader",
            )
        return list(readers)

    def _candidates(self) -> list[str]:
        readers = self._readers()
        match = [r for r in readers if self.wanted is None or self.wanted in r]
        if not match:
            raise DeviceError(
                "Không thấy đầu đọc thẻ nào" + (f" «{self.wanted}»." if self.wanted else "."),
                "No card reader found" + (f" '{self.wanted}'." if self.wanted else "."),
                field="card_reader",
            )
        return match

    def _reader(self) -> str:
        """The reader to use: the one named, else the first that holds a card, else the first."""
        match = self._candidates()
        if self.wanted is None and len(match) > 1:
            holding = self._holding(match)
            if holding:
                match = holding
        self.reader_name = match[0]
        return match[0]

    def _holding(self, readers: list[str]) -> list[str]:
        sc = _scard()
        rv, states = sc.SCardGetStatusChange(
            self._ctx(), 0, [(r, sc.SCARD_STATE_UNAWARE) for r in readers]
        )
        if rv != sc.SCARD_S_SUCCESS:
            return []
        return [name for name, state, _atr in states if state & sc.SCARD_STATE_PRESENT]

    def _wait(self, present: bool, timeout: float) -> bool:
        """Wait until a card is on (``present``) or off the reader(s); with no reader named,
        any reader that gets a card is taken, and removal is watched on the one last used."""
        sc = _scard()
        if self.wanted is None and present:
            readers = self._candidates()
        else:
            readers = [self.reader_name or self._reader()]
        deadline = time.monotonic() + timeout
        watched = [(r, sc.SCARD_STATE_UNAWARE) for r in readers]
        while True:
            ms = max(0, int((deadline - time.monotonic()) * 1000))
            rv, states = sc.SCardGetStatusChange(self._ctx(), ms, watched)
            if rv == sc.SCARD_E_TIMEOUT:
                return False
            if rv != sc.SCARD_S_SUCCESS:
                raise DeviceError(
                    f"Lỗi đầu đọc thẻ ({sc.SCardGetErrorMessage(rv)}).",
                    f"Card reader error ({sc.SCardGetErrorMessage(rv)}).",
                    field="card_reader",
                )
            watched = []
            for name, state, _atr in states:
                state &= ~sc.SCARD_STATE_CHANGED
                if bool(state & sc.SCARD_STATE_PRESENT) == present:
                    self.reader_name = name
                    return True
                watched.append((name, state))
            if time.monotonic() >= deadline:
                return False

    def _do_connect(self) -> bytes:
        sc = _scard()
        self._do_disconnect()
        rv, card, protocol = sc.SCardConnect(
            self._ctx(),
            self.reader_name or self._reader(),
            sc.SCARD_SHARE_SHARED,
            sc.SCARD_PROTOCOL_T0 | sc.SCARD_PROTOCOL_T1,
        )
        if rv != sc.SCARD_S_SUCCESS:
            raise DeviceError(
                f"Không kết nối được thẻ ({sc.SCardGetErrorMessage(rv)}); đặt thẻ nằm yên trên "
                "đầu đọc.",
                f"Cannot connect to the card ({sc.SCardGetErrorMessage(rv)}); keep the card still "
                "on the reader.",
                field="card_reader",
            )
        self._card, self._protocol = card, protocol
        rv, _reader, _state, _proto, atr = sc.SCardStatus(card)
        return bytes(atr) if rv == sc.SCARD_S_SUCCESS else b""

    def _do_disconnect(self) -> None:
        if self._card is not None:
            sc = _scard()
            sc.SCardDisconnect(self._card, sc.SCARD_LEAVE_CARD)
            self._card = None

    def _do_transmit(self, apdu: bytes) -> bytes:
        sc = _scard()
        if self._card is None:
            raise DeviceError("Chưa kết nối thẻ.", "No card connected.", field="card_reader")
        rv, resp = sc.SCardTransmit(self._card, self._protocol, list(apdu))
        if rv != sc.SCARD_S_SUCCESS:
            self._card = None  # the handle is dead; the next card connects afresh
            if rv in (sc.SCARD_W_REMOVED_CARD, sc.SCARD_E_NO_SMARTCARD, sc.SCARD_W_RESET_CARD,
                      sc.SCARD_W_UNPOWERED_CARD, sc.SCARD_E_READER_UNAVAILABLE,
                      sc.SCARD_F_COMM_ERROR, sc.SCARD_W_UNRESPONSIVE_CARD,
                      sc.SCARD_E_NOT_TRANSACTED):  # fmt: skip
                raise removed_error()
            raise DeviceError(
                f"Lỗi truyền lệnh tới thẻ ({sc.SCardGetErrorMessage(rv)}).",
                f"Error sending a command to the card ({sc.SCardGetErrorMessage(rv)}).",
                field="card_reader",
            )
        if len(resp) < 2:  # vpcd and some readers answer nothing once the card is gone
            self._card = None
            raise removed_error()
        return bytes(resp)

    # --- public API (each call runs on the card thread) -----------------------------------

    def list_readers(self) -> list[str]:
        return self._call(self._readers)

    def info(self) -> DeviceInfo:
        name = self.reader_name or self.wanted or "PC/SC"
        return DeviceInfo(DeviceKind.CARD_READER, "pcsc", name, name, simulated=False)

    def wait_for_card(self, timeout: float) -> bool:
        """True once a card is on the reader (with none named: on any reader, which is then
        the one used), False after ``timeout`` seconds."""
        return self._call(lambda: self._wait(True, timeout), timeout=timeout + CONNECT_TIMEOUT_S)

    def wait_for_removal(self, timeout: float) -> bool:
        return self._call(lambda: self._wait(False, timeout), timeout=timeout + CONNECT_TIMEOUT_S)

    def connect(self) -> bytes:
        """Connect to the card on the reader; its ATR."""
        return self._call(self._do_connect, timeout=CONNECT_TIMEOUT_S)

    def transmit(self, apdu: bytes) -> bytes:
        """Send one command APDU; the response with its status word."""
        return self._call(lambda: self._do_transmit(apdu), timeout=self.apdu_timeout)

    def disconnect(self) -> None:
        """Let go of the card; a reader stuck on a card that does not answer is left as is."""
        if not self.stuck:
            self._call(self._do_disconnect, timeout=RELEASE_TIMEOUT_S)

    def close(self) -> None:
        if self._thread.is_alive():
            self._requests.put(_STOP)
            self._thread.join(timeout=RELEASE_TIMEOUT_S if self.stuck else 5)

    def __enter__(self) -> CardReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def pcsc_readers() -> list[DeviceInfo]:
    """The PC/SC readers the system knows (pcscd on Linux, WinSCard on Windows)."""
    reader = CardReader()
    try:
        names = reader.list_readers()
    finally:
        reader.close()
    return [DeviceInfo(DeviceKind.CARD_READER, "pcsc", n, n, simulated=False) for n in names]
