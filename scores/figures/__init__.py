"""Pure scoring functions: pandas/numpy in, numbers and DataFrames out; no Django."""
