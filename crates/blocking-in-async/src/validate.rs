//! Argument checks that clap's ranges cannot express.

use clap::CommandFactory;
use clap::error::ErrorKind;

use crate::Args;

/// Combinations that parse but cannot show the idea exit 2, naming the flag to change.
pub fn checked(args: Args) -> Args {
    let conflict = |msg: &str| {
        Args::command()
            .error(ErrorKind::ArgumentConflict, msg)
            .exit()
    };
    if args.tasks < args.workers {
        conflict("--tasks must be at least --workers: with a worker to spare, nothing waits");
    }
    if args.tick_ms * 4 > args.block_ms {
        conflict(
            "--tick-ms must be at most a quarter of --block-ms, or a block hides between ticks",
        );
    }
    args
}
