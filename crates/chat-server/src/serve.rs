//! `--serve [ADDR]`: the demo's chat server kept up for your own clients (`nc`, `telnet`,
//! a Python socket) until Ctrl-C or SIGTERM, on ONE thread (this one), printing each
//! event: who joined, said what to how many, lagged, was dropped, left. The same
//! `chat_server` and `connection` as the demo's; the room prints instead of tracing.

use std::net::SocketAddr;
use std::sync::OnceLock;
use std::time::Duration;

use anyhow::Context;
use tokio::signal::unix::{SignalKind, signal};

use crate::room::{self, Left, Room, Watch};

struct Printer;

impl Watch for Printer {
    fn joined(&self, id: u64, peer: SocketAddr, here: u64) {
        println!("#{id} joined from {peer} ({here} here now, all served by this one thread)");
    }

    fn said(&self, id: u64, text: &str, listeners: usize) {
        println!("#{id} said {text:?}: sent into the channel for the {listeners} other(s)");
    }

    fn lagged(&self, id: u64, skipped: u64) {
        println!(
            "#{id} lagged: {skipped} line(s) were overwritten before it read them; told it so"
        );
    }

    fn left(&self, id: u64, why: Left, here: u64) {
        match why {
            Left::Quit => println!("#{id} left ({here} here now)"),
            Left::Dropped => println!(
                "#{id} dropped: a write to it waited past the patience; the others never waited ({here} here now)"
            ),
        }
    }
}

/// Bind, announce, serve until SIGINT or SIGTERM, then close every socket and print the totals.
pub fn serve(addr: SocketAddr, patience: Duration, capacity: usize) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the runtime; check the process's limits (ulimit -u, -v)")?;
    let room = Room::new(capacity, patience, Printer);
    let stopped_by = OnceLock::new();
    runtime.block_on(async {
        let mut interrupt = signal(SignalKind::interrupt()).context("cannot catch SIGINT")?;
        let mut terminate = signal(SignalKind::terminate()).context("cannot catch SIGTERM")?;
        let listener = room::listen(addr).with_context(|| {
            format!(
                "cannot listen on {addr}; is another server on that port? try --serve 127.0.0.1:0"
            )
        })?;
        let local = listener
            .local_addr()
            .context("cannot read the listener's address")?;
        let (ip, port) = (local.ip(), local.port());
        println!(
            "chat server on ONE thread, listening on {local}; connect with: nc {ip} {port}   \
             (from two or more terminals; type a line and press Enter); Ctrl-C stops it"
        );
        let stop = async {
            let name = tokio::select! {
                _ = interrupt.recv() => "SIGINT",
                _ = terminate.recv() => "SIGTERM",
            };
            let _ = stopped_by.set(name);
        };
        crate::chat_server(listener, std::sync::Arc::clone(&room), stop).await;
        anyhow::Ok(())
    })?;
    drop(runtime); // every connection's task and socket is gone
    let t = room.totals();
    println!(
        "stopped by {}: {} client(s) joined, {} line(s) said, {} written to clients, {} lag \
         notice(s), {} dropped, {} left, {} still connected and now closed; every socket closed",
        stopped_by.get().unwrap_or(&"a signal"),
        t.joined,
        t.said,
        t.delivered,
        t.lag_notices,
        t.dropped,
        t.quit,
        t.joined - t.quit - t.dropped
    );
    Ok(())
}
