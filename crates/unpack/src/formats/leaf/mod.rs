//! Formats recognised only so that carving skips their insides (nothing is extracted).

pub mod bmp;
pub mod gif;
pub mod jpeg;
pub mod pdf;
pub mod png;
pub mod riff;
