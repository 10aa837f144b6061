//! The `netvet` command line: argument handling and rendering around the scan engine
//! (`netvet_scan::Scanner`), which the lab service calls as well.

pub mod certs;
pub mod cmd_equiv;
pub mod cmd_network;
pub mod cmd_serve;
pub mod summary;
