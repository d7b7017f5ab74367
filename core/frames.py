"""Input checks shared by the scoring functions: one error type, required columns, numbers."""

import pandas as pd


class ScoringError(ValueError):
    """Input a scoring function cannot compute from; the message says what to fix."""


def require_columns(frame: pd.DataFrame | None, columns, what: str) -> pd.DataFrame:
    """A copy of ``frame`` with ``columns`` present; an empty frame gets them added."""
    if frame is None:
        frame = pd.DataFrame()
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        if len(frame):
            raise ScoringError(f"{what} is missing column(s) {', '.join(missing)}")
        frame = frame.copy()
        for column in missing:
            frame[column] = pd.Series(dtype=object)
    return frame.copy()


def as_numbers(series: pd.Series, what: str) -> pd.Series:
    """Floats from numbers, Decimals or numeric strings (None → NaN)."""
    try:
        return pd.to_numeric(series, errors="raise").astype(float)
    except (TypeError, ValueError) as exc:
        raise ScoringError(f"{what} must be numeric") from exc
