"""Progress of a long index run: its phase, articles done of the total, rate and time left.

A run goes through phases: `scan` (listing the corpus), `index` (reading, comparing and writing
articles; the phase with a count), `commit` (the writer merges and writes its segments) and
`publish` (checks, then the switch). `Progress` keeps the figures and hands them to listeners:
the build record in the index folder (for `GET /admin/status`), and the command's bar or log.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

ProgressPhase = Literal["scan", "index", "commit", "publish"]


@dataclass(frozen=True)
class ProgressFigures:
    """Where a run is: phase, articles done of total, seconds in the phase, and from those the
    rate and the time left."""

    phase: ProgressPhase
    done: int = 0
    total: int = 0
    seconds: float = 0.0

    @property
    def rate(self) -> float | None:
        """Articles a second in the `index` phase, once there is something to divide."""
        if self.phase != "index" or self.done <= 0 or self.seconds <= 0:
            return None
        return self.done / self.seconds

    @property
    def eta_seconds(self) -> float | None:
        """Seconds the phase still needs at the rate so far; None before a rate is known."""
        rate = self.rate
        if rate is None or self.total <= 0:
            return None
        return max(0.0, (self.total - self.done) / rate)

    def line(self) -> str:
        """The figures for a log: `index: 1200/8000 articles (15%), 340/s, about 20 s left`."""
        if self.total <= 0:
            return self.phase
        text = f"{self.phase}: {self.done}/{self.total} articles ({100 * self.done // self.total}%)"
        if self.rate is not None:
            text += f", {self.rate:.0f}/s"
        if self.eta_seconds is not None:
            text += f", about {self.eta_seconds:.0f} s left"
        return text


ProgressListener = Callable[[ProgressFigures], None]


class Progress:
    """The figures of one run, passed to each listener whenever they change."""

    def __init__(
        self,
        listeners: Sequence[ProgressListener] = (),
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.listeners = list(listeners)
        self.clock = clock
        self._started = clock()
        self.figures = ProgressFigures("scan")

    def start(self) -> None:
        """Tell the listeners the run began (in phase `scan`)."""
        self._started = self.clock()
        self._tell(ProgressFigures("scan"))

    def phase(self, name: ProgressPhase) -> None:
        """Enter phase `name`; the counts stay those of the articles through `index`."""
        if name == self.figures.phase:
            return
        self._started = self.clock()
        self._tell(ProgressFigures(name, self.figures.done, self.figures.total))

    def update(self, done: int, total: int) -> None:
        """`done` of `total` articles are through the `index` phase (an `on_progress` callback)."""
        if self.figures.phase != "index":
            self._started = self.clock()
        self._tell(ProgressFigures("index", done, total, self.clock() - self._started))

    def _tell(self, figures: ProgressFigures) -> None:
        self.figures = figures
        for listener in self.listeners:
            listener(figures)


class Every:
    """Passes figures on at most once every `seconds` (the first time `seconds` after it was
    made), and with `on_phase` also whenever a new phase begins."""

    def __init__(
        self,
        seconds: float,
        listener: ProgressListener,
        *,
        on_phase: bool = False,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.seconds = seconds
        self.listener = listener
        self.on_phase = on_phase
        self.clock = clock
        self._last = clock()
        self._phase: ProgressPhase | None = None

    def __call__(self, figures: ProgressFigures) -> None:
        """Pass `figures` on if it is time, or a new phase began and that is wanted."""
        moment = self.clock()
        new_phase = self.on_phase and figures.phase != self._phase
        if new_phase or moment - self._last >= self.seconds:
            self._last, self._phase = moment, figures.phase
            self.listener(figures)
