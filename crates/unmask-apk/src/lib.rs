//! App model.
