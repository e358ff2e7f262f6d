//! The command line's edges: which loop a run uses, and the combinations clap cannot
//! reject on its own.

use clap::{CommandFactory, error::ErrorKind};

use crate::{Args, Runtime};

/// The loop(s) to run: `--runtime`, or both for the demo and scratch for `--serve`. A
/// combination that cannot show anything ends the program with clap's message, exit 2.
pub fn runtime(args: &Args) -> Runtime {
    let runtime = args.runtime.unwrap_or(match args.serve {
        Some(_) => Runtime::Scratch,
        None => Runtime::Both,
    });
    if args.narrate && runtime == Runtime::Tokio {
        conflict(
            "--narrate prints the scratch loop's decisions, and tokio's stay inside tokio: \
             use --runtime scratch (or both), or drop --narrate",
        );
    }
    if args.serve.is_some() && runtime == Runtime::Both {
        conflict("--serve runs one loop: add --runtime scratch or --runtime tokio");
    }
    runtime
}

fn conflict(why: &str) -> ! {
    Args::command()
        .error(ErrorKind::ArgumentConflict, why)
        .exit()
}
