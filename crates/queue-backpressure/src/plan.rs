//! The scenario both queues run, checked from the arguments: what cannot show the idea,
//! or cannot fit in memory, is refused with exit 2 before anything runs.

use std::time::Duration;

use clap::CommandFactory;
use clap::error::ErrorKind;

use crate::{Args, limits};

/// The scenario both queues run.
pub struct Plan {
    pub items: usize,
    pub consumers: usize,
    pub capacity: usize,
    pub work: Duration,
    pub item_bytes: usize,
}

/// Rejects what cannot show the idea, or cannot fit in memory, with exit 2.
pub fn check(args: &Args) -> Plan {
    let conflict = |msg: &str| {
        Args::command()
            .error(ErrorKind::ArgumentConflict, msg)
            .exit()
    };
    if args.capacity + args.consumers >= args.items {
        conflict(
            "--capacity plus --consumers must be below --items, or the bounded queue never fills",
        );
    }
    if limits::unbounded_bytes(args.items, args.item_bytes) > 2 << 30 {
        conflict(
            "--items x --item-bytes is over 2 GiB, more than the unbounded queue should hold here",
        );
    }
    Plan {
        items: args.items as usize,
        consumers: args.consumers as usize,
        capacity: args.capacity as usize,
        work: Duration::from_millis(args.work_ms),
        item_bytes: args.item_bytes as usize,
    }
}
