//! The demo's own chat clients, on the main thread's runtime (the server has its own
//! thread): they join, say lines, and time how long each line takes to reach the others.
//! Part one, fan-out: one client says a line per round and every other client must get it
//! before the next round. Part two, slow readers: ten clients, one pauses reading and one
//! never reads, while lines are said in batches; the eight others time every batch.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::net::TcpSocket;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinSet;
use tokio::time::timeout;

use crate::limits::threads_named;
use crate::room::{Room, THREAD_NAME};
use crate::trace::Trace;

/// How long a client waits for a line it is owed before the run fails (never a hang).
const OWED: Duration = Duration::from_secs(20);
/// Receive buffer of the two slow readers' sockets (Linux doubles it).
const SMALL_RECEIVE_BUFFER: u32 = 4 * 1024;
/// The length of a line in part two: large enough that the lines a lagged reader is
/// still owed (the channel's capacity of them) overflow its small buffers many times.
pub const LINE_BYTES: usize = 1000;
/// Lines said together in part two, before the fast clients' receipts are awaited.
pub const BATCH: u32 = 16;
/// Tracks drawn per fan-out run: the sayer and the first receivers.
const DRAWN: usize = 6;

/// One connected client: its server-given number, its line reader, its writer.
struct Client {
    id: u64,
    lines: Lines<BufReader<OwnedReadHalf>>,
    writer: OwnedWriteHalf,
}

/// Connect `n` clients (all handshakes first, then the greetings), the last `small` of
/// them with a small receive buffer.
async fn join(addr: SocketAddr, n: usize, small: usize) -> anyhow::Result<Vec<Client>> {
    let mut streams = Vec::with_capacity(n);
    for i in 0..n {
        let socket = TcpSocket::new_v4().context("cannot open a client socket")?;
        if i + small >= n {
            socket.set_recv_buffer_size(SMALL_RECEIVE_BUFFER)?;
        }
        let stream = socket
            .connect(addr)
            .await
            .context("a client cannot connect")?;
        streams.push(stream);
    }
    let mut clients = Vec::with_capacity(n);
    for stream in streams {
        let (reader, writer) = stream.into_split();
        let mut lines = BufReader::new(reader).lines();
        let greeting = timeout(OWED, lines.next_line()).await;
        let greeting = greeting.map_err(|_| anyhow!("no greeting from the server in 20 s"))??;
        let greeting = greeting.unwrap_or_default();
        let id = greeting
            .strip_prefix("welcome, you are #")
            .and_then(|rest| rest.split(';').next()?.parse().ok())
            .ok_or_else(|| anyhow!("an unexpected greeting: {greeting:?}"))?;
        clients.push(Client { id, lines, writer });
    }
    Ok(clients)
}

/// Waits until the server has seen the clients of the part before leave, so that each
/// part's counts are its own.
async fn everyone_gone(room: &Room) -> anyhow::Result<()> {
    let deadline = Instant::now() + OWED;
    while room.here() > 0 {
        if Instant::now() > deadline {
            bail!(
                "the server still had {} clients 20 s after they left",
                room.here()
            );
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    Ok(())
}

/// The number in a line `#FROM: <tag><number> ...`, if it has that tag.
fn number_in(line: &str, tag: &str) -> Option<u32> {
    let (_, said) = line.split_once(": ")?;
    said.strip_prefix(tag)?.split(' ').next()?.parse().ok()
}

/// Reads lines until the socket ends, reporting each `tag` number with the moment it came.
async fn report_arrivals(
    who: usize,
    mut lines: Lines<BufReader<OwnedReadHalf>>,
    tag: &'static str,
    arrivals: mpsc::UnboundedSender<(usize, u32, Instant)>,
) {
    while let Ok(Some(line)) = lines.next_line().await {
        if let Some(n) = number_in(&line, tag) {
            let _ = arrivals.send((who, n, Instant::now()));
        }
    }
}

/// Receives `count` arrivals, or fails after [`OWED`].
async fn arrivals(
    rx: &mut mpsc::UnboundedReceiver<(usize, u32, Instant)>,
    count: usize,
) -> anyhow::Result<Vec<(usize, u32, Instant)>> {
    let mut got = Vec::with_capacity(count);
    while got.len() < count {
        match timeout(OWED, rx.recv()).await {
            Ok(Some(arrival)) => got.push(arrival),
            _ => bail!("a line did not reach every client within 20 s; is the machine overloaded?"),
        }
    }
    Ok(got)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// The middle of `values` (sorted here).
pub fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(0.0)
}

/// What one fan-out run measured.
pub struct FanOut {
    pub clients: usize,
    pub rounds: u32,
    /// Lines received, of `expected` = rounds x (clients - 1).
    pub received: usize,
    pub expected: usize,
    /// Median over rounds: the first other client had the line after this long ...
    pub first_ms: f64,
    /// ... and the LAST one after this long: the fan-out latency.
    pub fanout_ms: f64,
    /// The slowest round's last arrival.
    pub worst_ms: f64,
    /// OS threads named like the server's, and in the whole process, all clients joined.
    pub server_threads: usize,
    pub process_threads: usize,
}

// ANCHOR: fan-out
/// `n` clients join; client 1 says one line per round; each round ends when all n - 1
/// others have it. Latency: from the write to each arrival, on one clock.
pub async fn fan_out(
    addr: SocketAddr,
    n: usize,
    rounds: u32,
    room: &Room,
    trace: &Trace,
) -> anyhow::Result<FanOut> {
    everyone_gone(room).await?;
    let mut clients = join(addr, n, 0).await?;
    let (process_threads, server_threads) = threads_named(THREAD_NAME);
    let (tx, mut rx) = mpsc::unbounded_channel();
    let mut readers = JoinSet::new();
    let mut sayer = clients.remove(0);
    let group = trace.group(&format!("fan-out: {n} clients"));
    let sayer_track = trace.track(group, &format!("#{} says a line per round", sayer.id));
    let drawn: Vec<_> = (clients.iter().take(DRAWN - 1))
        .map(|c| trace.track(group, &format!("#{} gets it", c.id)))
        .collect();
    let mut writers = Vec::new(); // a dropped write half would tell the server "I left"
    for (who, client) in clients.into_iter().enumerate() {
        readers.spawn(report_arrivals(who, client.lines, "round ", tx.clone()));
        writers.push(client.writer);
    }
    let (mut first, mut last) = (Vec::new(), Vec::new());
    let mut received = 0;
    for round in 0..rounds {
        let said = Instant::now();
        let line = format!("round {round}\n");
        sayer
            .writer
            .write_all(line.as_bytes())
            .await
            .context("the sayer cannot write")?;
        let got = arrivals(&mut rx, n - 1).await?;
        received += got.iter().filter(|(_, r, _)| *r == round).count();
        let times = got.iter().map(|(_, _, at)| *at);
        let (earliest, latest) = (
            times.clone().min().unwrap_or(said),
            times.max().unwrap_or(said),
        );
        first.push(ms(earliest - said));
        last.push(ms(latest - said));
        if trace.is_on() {
            let name = format!(
                "round {round}: all {} others had it after {:.2} ms",
                n - 1,
                ms(latest - said)
            );
            trace.slice(sayer_track, "fan-out", &name, said, latest);
            for &(who, _, at) in got.iter().filter(|(who, _, _)| *who < drawn.len()) {
                let name = format!("round {round}: arrived after {:.2} ms", ms(at - said));
                trace.slice(drawn[who], "line in flight", &name, said, at);
            }
        }
    }
    if n > DRAWN && rounds > 0 {
        trace.note(&format!(
            "fan-out with {n} clients: only the first {DRAWN} clients are drawn"
        ));
    }
    readers.abort_all();
    drop(writers);
    let worst_ms = last.iter().copied().fold(0.0, f64::max);
    Ok(FanOut {
        clients: n,
        rounds,
        received,
        expected: rounds as usize * (n - 1),
        first_ms: median(&mut first),
        fanout_ms: median(&mut last),
        worst_ms,
        server_threads,
        process_threads,
    })
}
// ANCHOR_END: fan-out

/// What part two measured.
pub struct Slow {
    pub lines: u32,
    pub fast_clients: usize,
    /// Lines the fast clients got, of lines x fast_clients.
    pub fast_received: usize,
    /// Per batch, from the write to the last fast client's arrival: median and worst.
    pub fast_median_ms: f64,
    pub fast_worst_ms: f64,
    /// The paused reader: lines it got after it resumed reading, and the number the
    /// server's notice said it skipped (their sum is `lines`).
    pub lagging_received: u32,
    pub lagging_skipped: u64,
    pub lagging_told: bool,
    /// The reader that never read: lines that had fit in its buffers when the server gave
    /// up on it, and whether the server closed it.
    pub stuck_buffered: u32,
    pub stuck_closed: bool,
    /// The server's counts for part two.
    pub server_lag_notices: u64,
    pub server_skipped: u64,
    pub server_dropped: u64,
    pub elapsed: Duration,
}

/// Ten clients: #1 says `lines` lines in batches, seven read them as they come, one pauses
/// reading until all are said, and one never reads at all.
pub async fn slow_readers(
    addr: SocketAddr,
    lines: u32,
    room: &Arc<Room>,
    trace: &Trace,
) -> anyhow::Result<Slow> {
    everyone_gone(room).await?;
    let before = room.totals();
    let start = Instant::now();
    let mut clients = join(addr, 10, 2).await?;
    let stuck = clients.pop().expect("ten clients");
    let lagging = clients.pop().expect("ten clients");
    let mut sayer = clients.remove(0);
    let fast_clients = clients.len();
    let group = trace.group("slow readers: 7 fast, 1 paused, 1 never reads");
    let sayer_track = trace.track(group, &format!("#{} says {lines} lines", sayer.id));
    let fast_track = trace.track(
        group,
        &format!(
            "#{}-#{}: 7 fast readers",
            clients[0].id,
            clients[fast_clients - 1].id
        ),
    );
    let lagging_track = trace.track(group, &format!("#{}: pauses reading", lagging.id));
    let stuck_track = trace.track(group, &format!("#{}: never reads", stuck.id));
    let (tx, mut rx) = mpsc::unbounded_channel();
    let mut readers = JoinSet::new();
    let mut writers = vec![lagging.writer, stuck.writer]; // dropped, they would say "I left"
    for (who, client) in clients.into_iter().enumerate() {
        readers.spawn(report_arrivals(who, client.lines, "m", tx.clone()));
        writers.push(client.writer);
    }
    let (resume, resumed) = oneshot::channel::<()>();
    let paused = tokio::spawn(read_after_pause(lagging.lines, lines, resumed));
    let mut per_batch = Vec::new();
    let mut fast_received = 0;
    let mut seq = 0;
    while seq < lines {
        let end = (seq + BATCH).min(lines);
        let batch: String = (seq..end)
            .map(|m| format!("m{m:06} {}\n", "-".repeat(LINE_BYTES - 16)))
            .collect();
        let said = Instant::now();
        sayer
            .writer
            .write_all(batch.as_bytes())
            .await
            .context("the sayer cannot write")?;
        let got = arrivals(&mut rx, fast_clients * (end - seq) as usize).await?;
        fast_received += got
            .iter()
            .filter(|(_, m, _)| (seq..end).contains(m))
            .count();
        let latest = got.iter().map(|(_, _, at)| *at).max().unwrap_or(said);
        per_batch.push(ms(latest - said));
        trace.slice(
            fast_track,
            "fan-out",
            &format!("lines {seq}-{}: all 7 had them", end - 1),
            said,
            latest,
        );
        seq = end;
    }
    let all_said = Instant::now();
    let _ = resume.send(());
    trace.slice(lagging_track, "not reading", "paused", start, all_said);
    trace.slice(
        sayer_track,
        "says",
        &format!("said {lines} lines"),
        start,
        all_said,
    );
    let lagging_result = paused.await.context("the paused reader panicked")??;
    let (lagging_received, lagging_skipped, told_at) = lagging_result;
    if let Some(at) = told_at {
        let name = format!("told: {lagging_skipped} lines skipped; got {lagging_received}");
        trace.instant(lagging_track, &name, at);
    }
    // The server gives up on the stuck client once a write to it has waited the patience.
    let deadline = Instant::now() + room.patience + OWED;
    while room.totals().dropped == before.dropped && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let dropped_seen = Instant::now();
    trace.slice(
        stuck_track,
        "not reading",
        "never reads",
        start,
        dropped_seen,
    );
    let (stuck_buffered, stuck_closed) = drain(stuck.lines).await;
    trace.instant(
        stuck_track,
        &format!("closed by the server; {stuck_buffered} lines had fit in its buffers"),
        dropped_seen,
    );
    readers.abort_all();
    drop(writers);
    let after = room.totals();
    Ok(Slow {
        lines,
        fast_clients,
        fast_received,
        fast_median_ms: median(&mut per_batch.clone()),
        fast_worst_ms: per_batch.iter().copied().fold(0.0, f64::max),
        lagging_received,
        lagging_skipped,
        lagging_told: told_at.is_some(),
        stuck_buffered,
        stuck_closed,
        server_lag_notices: after.lag_notices - before.lag_notices,
        server_skipped: after.skipped - before.skipped,
        server_dropped: after.dropped - before.dropped,
        elapsed: start.elapsed(),
    })
}

/// The paused reader: waits for `resume`, then reads until the last line said: the lines
/// it got, the skip count from the server's notice, and when the notice came.
async fn read_after_pause(
    mut lines: Lines<BufReader<OwnedReadHalf>>,
    total: u32,
    resume: oneshot::Receiver<()>,
) -> anyhow::Result<(u32, u64, Option<Instant>)> {
    let _ = resume.await;
    let (mut got, mut skipped, mut told) = (0, 0, None);
    let mut last = None;
    loop {
        let line = timeout(OWED, lines.next_line()).await;
        let Ok(Ok(Some(line))) = line else {
            bail!(
                "the paused reader did not get the last line within 20 s of resuming ({got} lines, the last m{last:?}, {skipped} skipped; {line:?})"
            );
        };
        if let Some(n) = line.strip_prefix("*** you are too slow: ") {
            skipped += n
                .split(' ')
                .next()
                .and_then(|n| n.parse::<u64>().ok())
                .unwrap_or(0);
            told = Some(Instant::now());
        } else if let Some(m) = number_in(&line, "m") {
            got += 1;
            last = Some(m);
            if m + 1 == total {
                return Ok((got, skipped, told));
            }
        }
    }
}

/// Reads what is left in the stuck client's buffers: the lines, and whether the server
/// had closed its end (the read then ends).
async fn drain(mut lines: Lines<BufReader<OwnedReadHalf>>) -> (u32, bool) {
    let mut got = 0;
    loop {
        match timeout(OWED, lines.next_line()).await {
            Ok(Ok(Some(_))) => got += 1,
            Ok(Ok(None)) | Ok(Err(_)) => return (got, true),
            Err(_) => return (got, false),
        }
    }
}
