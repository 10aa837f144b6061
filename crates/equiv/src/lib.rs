//! Binary equivalence and release diff between two unpacked images.
