"""The errors the pipeline raises. Each one says where the problem is."""

__all__ = ["BuildError", "LoadError", "DataError", "ValidationError", "Problem"]

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the data, located as precisely as we can."""

    where: str  # "path:line" or "path" or "" when unknown
    term: str  # the focus node or entity, as a CURIE
    message: str
    path: str = ""  # the property involved, as a CURIE, where there is one

    def __str__(self) -> str:
        place = f"{self.where}: " if self.where else ""
        prop = f" [{self.path}]" if self.path else ""
        return f"{place}{self.term}{prop}: {self.message}"


class BuildError(Exception):
    """Base class: anything that stops a build. ``str(err)`` is ready to print."""


class LoadError(BuildError):
    """A file could not be read or parsed; the message names file, line and column."""


class DataError(BuildError):
    """Authored data breaks a rule of the data format (e.g. a claim with two relations)."""

    def __init__(self, problems):
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class ValidationError(DataError):
    """SHACL shapes or violation checks found problems."""
