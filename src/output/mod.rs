//! Formatters.
