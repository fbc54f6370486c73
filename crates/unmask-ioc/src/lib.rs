//! Indicators of compromise (work in progress).
#![forbid(unsafe_code)]
