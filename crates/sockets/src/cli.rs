//! The command line's edges: `--server`'s choices, the check clap cannot make on its own
//! (`--serve` runs one server).

use clap::{CommandFactory, error::ErrorKind};

use crate::Args;

/// Which echo server(s) the demo runs (`--server`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Which {
    /// The blocking server, then the non-blocking one, against the same kind of clients.
    Both,
    /// Only the blocking server: about K x D.
    Blocking,
    /// Only the non-blocking server: about D, plus the time to connect K clients.
    Nonblocking,
}

/// Whether `--serve` runs the blocking server (the default); `--server both` cannot be
/// served, so it ends the program with clap's message and exit 2.
pub fn serve_blocking(server: Option<Which>) -> bool {
    match server.unwrap_or(Which::Blocking) {
        Which::Both => Args::command()
            .error(
                ErrorKind::ArgumentConflict,
                "--serve runs one server: add --server blocking or --server nonblocking",
            )
            .exit(),
        which => which == Which::Blocking,
    }
}
