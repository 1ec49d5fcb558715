"""The project's error types; the API and the CLI map them to HTTP statuses and exit codes."""

from __future__ import annotations

from pathlib import Path


class MedsearchError(Exception):
    """Base class for every error medsearch raises on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ArticleError(MedsearchError):
    """An article file that cannot be indexed: names the file, the field and the problem."""

    def __init__(self, path: Path, field: str, problem: str) -> None:
        super().__init__(f"{path}: {field}: {problem}")
        self.path = path
        self.field = field
        self.problem = problem


class CorpusNotFoundError(MedsearchError):
    """The corpus folder does not exist or is not a folder."""

    def __init__(self, corpus_dir: Path) -> None:
        super().__init__(f"corpus folder {corpus_dir} does not exist or is not a folder")
        self.corpus_dir = corpus_dir


class IndexNotFoundError(MedsearchError):
    """No complete index generation exists in the index folder."""

    def __init__(self, index_dir: Path) -> None:
        super().__init__(
            f"no index in {index_dir}; build one with: medsearch index --corpus CORPUS "
            f"--index {index_dir}"
        )
        self.index_dir = index_dir


class IndexCorruptError(MedsearchError):
    """The index folder exists but its current generation cannot be opened."""

    def __init__(self, index_dir: Path, reason: str) -> None:
        super().__init__(
            f"the index in {index_dir} cannot be opened ({reason}); rebuild it with: "
            f"medsearch index --index {index_dir}"
        )
        self.index_dir = index_dir
        self.reason = reason


class IndexWriteError(MedsearchError):
    """Writing a new generation failed (a full disk, a file size limit, no permission)."""

    def __init__(self, index_dir: Path, error: OSError) -> None:
        where = f" ({error.filename})" if error.filename else ""
        super().__init__(
            f"cannot write the index in {index_dir}: {error.strerror or error}{where}; "
            "the index was not changed"
        )
        self.index_dir = index_dir
        self.reason = error.strerror or str(error)


class StrictModeError(MedsearchError):
    """`--strict` was given and some articles were skipped."""

    def __init__(self, skipped: int) -> None:
        super().__init__(
            f"{skipped} article(s) skipped and --strict is set; the index was not changed"
        )
        self.skipped = skipped


class QueryError(MedsearchError):
    """A search query the user must change before it can run."""


class NotAnArticleError(MedsearchError):
    """A file given to an update is not one the corpus would list: outside it, hidden, not .md."""

    def __init__(self, path: Path, corpus_dir: Path, reason: str) -> None:
        super().__init__(f"{path} {reason}; give Markdown (.md) files inside {corpus_dir}")
        self.path = path
        self.corpus_dir = corpus_dir


class EmptyCorpusError(MedsearchError):
    """A build found no article it could index, so it will not replace the live index."""

    def __init__(self, corpus_dir: Path, skipped: int) -> None:
        found = f"all {skipped} article(s) were skipped" if skipped else "no .md files were found"
        super().__init__(f"nothing to index in {corpus_dir}: {found}; the index was not changed")
        self.corpus_dir = corpus_dir
        self.skipped = skipped


class ArticleNotFoundError(MedsearchError):
    """No article with this id is in the index."""

    def __init__(self, article_id: str) -> None:
        super().__init__(f"no article with id {article_id!r}")
        self.article_id = article_id


class IndexBusyError(MedsearchError):
    """Another process is updating the index; only one writer may run at a time."""

    def __init__(self, index_dir: Path, holder: str = "") -> None:
        who = f" ({holder})" if holder else ""
        super().__init__(f"another index update is running in {index_dir}{who}")
        self.index_dir = index_dir
        self.holder = holder


class IndexOutdatedError(MedsearchError):
    """The served index was built by an older medsearch and lacks fields a feature needs."""

    def __init__(self, feature: str, fields: list[str]) -> None:
        super().__init__(
            f"{feature} needs the index field(s) {', '.join(fields)}, which this index was built "
            "without; rebuild it with: medsearch index --corpus CORPUS --index INDEX"
        )
        self.feature = feature
        self.fields = fields


class ImportSourceError(MedsearchError):
    """The source of an import cannot be read: missing, a folder where a file belongs, not XML."""

    def __init__(self, source: Path, problem: str) -> None:
        super().__init__(f"{source}: {problem}")
        self.source = source
        self.problem = problem
