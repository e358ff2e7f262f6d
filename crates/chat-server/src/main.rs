//! asyncio's chat server (Fowler ch. 8) in Rust: ONE tokio thread serves every client.
//! Each connection is a task whose two waits, "a line from my client" and "a line for my
//! client", sit in one `select!`; a broadcast channel carries each line to every task. A
//! client that stops reading fills only its own small buffers: the channel's slot for it
//! is overwritten (it is told how many lines it skipped) or, once a write has waited
//! `--patience-ms`, it is dropped. Nobody else waits for it.
//!
//!     cargo run --release -p chat-server
//!     cargo run --release -p chat-server -- --clients 10,100,1000
//!     cargo run --release -p chat-server -- --serve        (then: nc 127.0.0.1 7878)
//!
//! What to look for: `server_threads=1` with 1,000 clients connected; fan-out latency in
//! milliseconds at 10, 100, 1,000 clients; the fast clients got every line, quickly, while
//! one reader was paused (`lagged_told=1`) and one never read (`dropped=1`).

mod clients;
mod limits;
mod output;
mod report;
mod room;
mod serve;
mod trace;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Parser;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::broadcast::error::RecvError;
use tokio::task::JoinSet;

use room::Room;
use trace::Trace;

/// A chat server on one thread: fan-out latency at 10, 100, 1,000 clients, and a client
/// that stops reading stalls nobody.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// How many clients join the room in each fan-out run, comma-separated (2 to 5,000
    /// each): one of them says a line per round, all the others must get it.
    #[arg(long, value_delimiter = ',', default_values_t = [10, 100],
          value_parser = clap::value_parser!(u32).range(2..=5_000))]
    clients: Vec<u32>,

    /// Lines said in each fan-out run, one at a time (each reaches every other client
    /// before the next is said).
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    rounds: u32,

    /// Lines said while one reader is paused and one never reads (in batches of 16).
    #[arg(long, default_value_t = 2048, value_parser = clap::value_parser!(u32).range(1024..=1_000_000))]
    lines: u32,

    /// How long the server lets one write to a client wait before it drops that client, in ms.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(100..=60_000))]
    patience_ms: u64,

    /// Lines the broadcast channel keeps for a reader that is behind; past that it skips.
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u32).range(16..=65_536))]
    capacity: u32,

    /// Keep the chat server up for your own clients (nc 127.0.0.1 7878) until Ctrl-C,
    /// printing who joined, said, lagged, was dropped, left; ADDR defaults to
    /// 127.0.0.1:7878 (port 0: a free port).
    #[arg(long, value_name = "ADDR", num_args = 0..=1, default_missing_value = "127.0.0.1:7878",
          conflicts_with_all = ["clients", "rounds", "lines", "trace"])]
    serve: Option<SocketAddr>,

    /// Write the run to FILE as a Chrome trace (open it in ui.perfetto.dev or vizviewer).
    #[arg(long, value_name = "FILE")]
    trace: Option<PathBuf>,
}

fn main() -> ExitCode {
    output::exit_when_output_fails();
    let args = Args::parse();
    let patience = Duration::from_millis(args.patience_ms);
    let result = match args.serve {
        Some(addr) => serve::serve(addr, patience, args.capacity as usize),
        None => run(&args, patience),
    };
    // A failure at run time is one line that says what to do: `error: context: cause`.
    if let Err(error) = result {
        eprintln!("error: {error:#}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

/// The server on a thread of its own; the demo's clients on this one: the fan-out runs,
/// then the slow readers, then the report.
fn run(args: &Args, patience: Duration) -> anyhow::Result<()> {
    let start = Instant::now();
    let trace = Arc::new(match args.trace {
        Some(_) => Trace::new(start),
        None => Trace::off(),
    });
    let most = args.clients.iter().copied().max().unwrap_or(10).max(10) as usize;
    limits::make_room_for(most)?;
    let room = Room::new(
        args.capacity as usize,
        patience,
        room::Recorder::new(&trace),
    );
    let server = room::ServerThread::start(Arc::clone(&room))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the clients' runtime; check the process's limits (ulimit -u, -v)")?;
    report::explain();
    let (fan_outs, slow) = runtime.block_on(async {
        let mut fan_outs = Vec::new();
        for &n in &args.clients {
            let fan_out =
                clients::fan_out(server.addr, n as usize, args.rounds, &room, &trace).await?;
            report::fan_out_row(&fan_out, fan_outs.is_empty());
            fan_outs.push(fan_out);
        }
        let slow = clients::slow_readers(server.addr, args.lines, &room, &trace).await?;
        anyhow::Ok((fan_outs, slow))
    })?;
    drop(runtime); // every client socket closed
    let totals = server.stop()?;
    report::slow_table(&slow, patience, args.capacity);
    report::server_line(&totals);
    if let Some(path) = &args.trace {
        trace.write(path).with_context(|| {
            format!(
                "cannot write the trace to {}; check that its folder exists",
                path.display()
            )
        })?;
        println!(
            "trace written to {} (open it in ui.perfetto.dev or vizviewer)",
            path.display()
        );
    }
    println!(
        "{}",
        report::Summary {
            fan_outs,
            slow,
            totals,
            patience
        }
    );
    Ok(())
}

// ANCHOR: server
/// The server: accept, and give each client a task. It ends when `stop` does; dropping
/// the JoinSet then aborts every connection's task, which closes its socket.
async fn chat_server(listener: TcpListener, room: Arc<Room>, stop: impl Future<Output = ()>) {
    let mut connections = JoinSet::new();
    tokio::pin!(stop);
    let mut id = 0;
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(client) => client,
                Err(_) => continue, // one failed accept (out of files): the others go on
            },
            () = &mut stop => break,
            Some(_) = connections.join_next() => continue, // reap a finished connection
        };
        id += 1;
        room.joined(id, peer, &stream);
        connections.spawn(connection(stream, id, Arc::clone(&room)));
    }
}

/// One client: its reads and its writes wait in ONE select!, on this one thread.
async fn connection(mut stream: TcpStream, id: u64, room: Arc<Room>) {
    let mut inbox = room.channel.subscribe(); // every line said from now on reaches it
    let (reader, mut writer) = stream.split();
    let mut lines = BufReader::new(reader).lines();
    let greeting = format!("welcome, you are #{id}; {} here\n", room.here());
    let mut why = room::Left::Quit;
    if writer.write_all(greeting.as_bytes()).await.is_ok() {
        why = loop {
            let out = tokio::select! {
                // A line from this client: into the channel. send() never waits for readers.
                line = lines.next_line() => match line {
                    Ok(Some(text)) => { room.say(id, &text); continue }
                    Ok(None) | Err(_) => break room::Left::Quit,
                },
                // A line for this client: the channel kept it in its slot until now.
                said = inbox.recv() => match said {
                    Ok(said) if said.from == id => continue, // its own line: not echoed
                    Ok(said) => said.line.clone(),
                    Err(RecvError::Lagged(skipped)) => room.lagged(id, skipped),
                    Err(RecvError::Closed) => break room::Left::Quit,
                },
            };
            // The write waits only for this client's socket, and at most `patience`.
            match tokio::time::timeout(room.patience, writer.write_all(out.as_bytes())).await {
                Ok(Ok(())) => room.delivered(),
                Ok(Err(_)) => break room::Left::Quit,
                Err(_) => break room::Left::Dropped,
            }
        };
    }
    room.left(id, why);
}
// ANCHOR_END: server
