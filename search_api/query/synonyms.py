"""The synonyms a running app expands queries with; an edited extra file is re-read, no restart."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from indexer.schema import text_analyzer
from indexer.settings import Settings
from indexer.synonyms import SynonymFileError, Synonyms, builtin_synonyms, read_synonyms_file

logger = logging.getLogger("medsearch")


def load_synonyms(settings: Settings) -> Synonyms:
    """The synonyms `settings` ask for: the built-in list unless turned off, plus the extra file."""
    return SynonymSource(settings).current()


class SynonymSource:
    """Hands out the current synonyms, re-reading the extra file when it changes on disk."""

    def __init__(self, settings: Settings) -> None:
        self._analyzer = text_analyzer()
        self._builtin = builtin_synonyms() if settings.builtin_synonyms else None
        self._extra_path: Path | None = settings.synonyms_file
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._current = self._combine(None)
        if self._extra_path is not None:
            self.current()

    def _combine(self, extra: Synonyms | None) -> Synonyms:
        combined = Synonyms()
        for part in (self._builtin, extra):
            if part is not None:
                combined.merge(part)
        return combined

    def current(self) -> Synonyms:
        """The synonyms to expand the next query with."""
        if self._extra_path is None:
            return self._current
        try:
            stat = self._extra_path.stat()
            stamp = (stat.st_mtime_ns, stat.st_size)
        except OSError:
            stamp = None
        if stamp == self._stamp:
            return self._current
        with self._lock:
            if stamp != self._stamp:
                try:
                    extra = read_synonyms_file(self._extra_path, self._analyzer)
                except SynonymFileError as error:
                    # A file being edited or removed must not take search down.
                    logger.warning("%s; searching without it", error.message)
                    extra = None
                self._current, self._stamp = self._combine(extra), stamp
        return self._current
