//! `--serve`: the slow web site on its own, for curl, a browser or the Python twin's
//! `--url`. One line per request answered, with how many were in progress at once;
//! Ctrl-C or SIGTERM stops it with a line of totals.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use anyhow::Context;

use crate::server::{self, Answer, Stats};

pub fn until_stopped(addr: SocketAddr, latency: Duration) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the tokio runtime; check the process's limits (ulimit -a)")?;
    let stats = Arc::new(Stats::default());
    let ms = latency.as_millis();
    runtime.block_on(async {
        let listener = server::listen(addr).with_context(|| {
            format!("cannot listen on {addr}; pick another port, or 127.0.0.1:0 for any free one")
        })?;
        let local = listener
            .local_addr()
            .context("cannot read the listening address")?;
        println!(
            "serving the slow site on http://{local}/ (each answer after {ms} ms); Ctrl-C stops it"
        );
        println!("try: curl -i http://{local}/");
        let stop = signalled().context("cannot watch for Ctrl-C")?;
        let report = move |a: Answer| {
            println!(
                "#{} {} {} from {} answered after {ms} ms; {} in progress at once",
                a.number, a.method, a.path, a.client, a.in_progress
            );
        };
        server::serve(listener, latency, Arc::clone(&stats), report, stop).await;
        anyhow::Ok(())
    })?;
    drop(runtime); // closes every connection still open
    println!(
        "stopped: {} requests answered, at most {} in progress at once",
        stats.served.load(Ordering::SeqCst),
        stats.peak.load(Ordering::SeqCst)
    );
    Ok(())
}

/// Completes on the first SIGINT (Ctrl-C) or SIGTERM.
fn signalled() -> io::Result<impl Future<Output = ()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
    })
}
