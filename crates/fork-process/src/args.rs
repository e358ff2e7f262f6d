//! The check on the arguments that a single flag's value parser cannot make.

use clap::CommandFactory;
use clap::error::ErrorKind;

use crate::Args;

/// `--fail-child K` must name one of the children: otherwise clap's message, exit 2.
pub fn fail_child_names_a_child(args: &Args) {
    if args.fail_child.is_some_and(|k| k > args.children) {
        Args::command()
            .error(
                ErrorKind::ValueValidation,
                "--fail-child must name one of the children (1..=--children)",
            )
            .exit();
    }
}
