"""The series library: TOML files under `bot/prompts/<locale>/`, validated when loaded.

A file that does not validate is reported with its path and the field at fault, and the
rest still load: one typo must not take every series away from a community.
"""

from __future__ import annotations

import logging
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

log = logging.getLogger(__name__)

# Package data, so a wheel carries the library: found through importlib.resources,
# wherever Homeroom is installed.
PROMPTS_DIR = Path(str(resources.files("bot") / "prompts"))

GradeBand = Literal["pre-k", "pre-k-2", "k-2", "k-5", "3-5", "5-6", "6-8", "9-12", "k-12"]
# Epstein's six types of involvement, then the topics parents bring most.
Theme = Literal[
    "parenting",
    "communicating",
    "volunteering",
    "learning-at-home",
    "decision-making",
    "collaborating-with-community",
    "reading",
    "homework",
    "screen-time",
    "sleep",
    "bullying-prevention",
    "transitions",
    "special-educational-needs",
    "partnership",
    "student-voice",
]
ID_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"


class PromptModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=ID_PATTERN, max_length=40)
    text: str = Field(min_length=10, max_length=1000)
    follow_up: str | None = Field(default=None, max_length=500)
    tags: tuple[str, ...] = ()


class SeriesModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=ID_PATTERN, max_length=40)
    title: str = Field(min_length=3, max_length=100)
    summary: str = Field(min_length=10, max_length=500)
    grade_band: GradeBand
    themes: tuple[Theme, ...] = Field(min_length=1)
    prompts: tuple[PromptModel, ...] = Field(min_length=1)

    @field_validator("prompts")
    @classmethod
    def _unique_prompt_ids(cls, prompts: tuple[PromptModel, ...]) -> tuple[PromptModel, ...]:
        seen: set[str] = set()
        for prompt in prompts:
            if prompt.id in seen:
                raise ValueError(f"prompt id {prompt.id!r} appears twice")
            seen.add(prompt.id)
        return prompts


@dataclass(frozen=True, slots=True)
class LoadProblem:
    """Why a file was left out: where, which field, what is wrong."""

    path: Path
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.field}: {self.message}"


class Library:
    """Every valid series, by locale and ID."""

    def __init__(
        self, series: dict[str, dict[str, SeriesModel]], problems: list[LoadProblem]
    ) -> None:
        self._series = series
        self.problems = problems

    @classmethod
    def load(cls, root: Path = PROMPTS_DIR) -> Library:
        series: dict[str, dict[str, SeriesModel]] = {}
        problems: list[LoadProblem] = []
        for path in sorted(root.glob("*/*.toml")):
            loaded = _load_file(path)
            if isinstance(loaded, LoadProblem):
                problems.append(loaded)
                log.warning(
                    "event=series_invalid path=%s field=%s problem=%s",
                    path,
                    loaded.field,
                    loaded.message,
                )
                continue
            series.setdefault(path.parent.name, {})[loaded.id] = loaded
        return cls(series, problems)

    def locales(self) -> list[str]:
        return sorted(self._series)

    def in_locale(self, locale: str) -> list[SeriesModel]:
        """The series a reader of `locale` sees (English where the locale has none)."""
        chosen = self._series.get(locale) or self._series.get("en", {})
        return sorted(chosen.values(), key=lambda s: (_BAND_ORDER.index(s.grade_band), s.title))

    def get(self, series_id: str, locale: str) -> SeriesModel | None:
        return self._series.get(locale, {}).get(series_id) or self._series.get("en", {}).get(
            series_id
        )

    def ids(self) -> list[str]:
        return sorted({sid for by_id in self._series.values() for sid in by_id})


_BAND_ORDER: list[str] = ["pre-k", "pre-k-2", "k-2", "k-5", "3-5", "5-6", "6-8", "9-12", "k-12"]


def _load_file(path: Path) -> SeriesModel | LoadProblem:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        return LoadProblem(path, "-", f"cannot be read ({error})")
    except tomllib.TOMLDecodeError as error:
        return LoadProblem(path, "-", f"is not valid TOML ({error})")
    try:
        return SeriesModel.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        field = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in first["loc"]).lstrip(
            "."
        )
        return LoadProblem(path, field or "-", str(first["msg"]))
