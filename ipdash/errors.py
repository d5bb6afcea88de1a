"""The error types ipdash raises for bad input. Each message names the file, the line
and what was expected, so a person can fix the input without reading code."""

from __future__ import annotations


class IpdashError(Exception):
    """Base class: any error ipdash reports to a person."""


class DataFileError(IpdashError):
    """A curated data file (registry, aliases, patterns, codebook, manifest) is invalid."""

    def __init__(self, path: str, line: int | None, problem: str) -> None:
        self.path = path
        self.line = line
        self.problem = problem
        where = f"{path}, line {line}" if line is not None else path
        super().__init__(f"{where}: {problem}")

    def __reduce__(self) -> tuple:  # as raised: also from a build worker process
        return (type(self), (self.path, self.line, self.problem))


class ParseError(IpdashError):
    """A document could not be read as a plan. The one error type the parser raises."""

    def __init__(self, source: str, problem: str, line: int | None = None) -> None:
        self.source = source
        self.line = line
        self.problem = problem
        where = f"{source}, line {line}" if line is not None else source
        super().__init__(f"{where}: {problem}")

    def __reduce__(self) -> tuple:  # as raised: also from a build worker process
        return (type(self), (self.source, self.problem, self.line))


class DatabaseMissingError(IpdashError):
    """No database has been built yet."""
