"""SIGINT and SIGTERM during a run: the first asks training to stop at the end of the current epoch
(a checkpoint is then on disk); a second one stops at once."""

import signal
import sys
from contextlib import contextmanager
from typing import Iterator, Optional

from forecast_cli.errors import RunInterrupted

HANDLED = (signal.SIGINT, signal.SIGTERM)


class StopRequest:
    """Set by a signal handler, polled by the training loop's StopOnSignal callback."""

    def __init__(self) -> None:
        self.signum: Optional[int] = None

    @property
    def requested(self) -> bool:
        return self.signum is not None

    @property
    def signal_name(self) -> str:
        return signal.Signals(self.signum).name if self.signum else ""

    def handle(self, signum, frame) -> None:
        if self.requested:
            raise RunInterrupted(signum, f"stopped at once by a second {signal.Signals(signum).name}")
        self.signum = signum
        sys.stderr.write(
            f"forecast: {self.signal_name} received: stopping after the current epoch "
            f"(send it again to stop now)\n"
        )
        sys.stderr.flush()

    def interruption(self, epochs_completed: int, resume_hint: str) -> RunInterrupted:
        return RunInterrupted(
            self.signum, f"stopped by {self.signal_name} after epoch {epochs_completed}; {resume_hint}"
        )


@contextmanager
def stop_on_signals(request: StopRequest) -> Iterator[StopRequest]:
    """Install the handlers (main thread only) and restore the previous ones afterwards."""
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield request
        return
    previous = {signum: signal.signal(signum, request.handle) for signum in HANDLED}
    try:
        yield request
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
