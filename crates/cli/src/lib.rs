//! The scan pipeline shared by the `netvet` commands (and the lab service): it wires the
//! stages in their one-way order and knows nothing about argument parsing.

pub mod certs;
pub mod cmd_equiv;
pub mod cmd_network;
pub mod cmd_serve;
pub mod pipeline;
pub mod sandbox;
pub mod summary;
