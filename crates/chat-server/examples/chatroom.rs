//! asyncio's chat server in Rust: every line a client sends reaches every other client.
//! One thread serves them all: each connection is a task whose reads and writes wait in
//! one `select!`, and a broadcast channel carries each line to every task. Three clients
//! join; one says hello; the other two print what they get. (For your own `nc` clients:
//! `cargo run -p chat-server -- --serve`.)
//!
//!     cargo run -p chat-server --example chatroom

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::broadcast;

type Room = broadcast::Sender<(u64, String)>;

#[tokio::main(flavor = "current_thread")] // ONE thread for the server and all its clients
async fn main() -> anyhow::Result<()> {
    exit_when_output_fails(); // one error line, not a panic, if stdout fails (end of file)
    let listener = TcpListener::bind("127.0.0.1:0").await?; // port 0: the OS picks a free one
    let addr = listener.local_addr()?;
    println!("chat on {addr}");
    // Every line goes into one channel; each client has a receiver. A receiver that falls
    // more than 64 lines behind loses the oldest and is told so: nobody waits for it.
    let (room, _) = broadcast::channel(64);
    tokio::spawn(async move {
        for id in 1.. {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let inbox = room.subscribe(); // from now on, every line said reaches this client
            tokio::spawn(client(stream, id, room.clone(), inbox)); // a task, not a thread
        }
    });
    let mut people = Vec::new();
    for name in ["alice", "bob", "carol"] {
        let mut reader = BufReader::new(TcpStream::connect(addr).await?); // #1, #2, #3
        let mut welcome = String::new();
        reader.read_line(&mut welcome).await?; // subscribed: it will get every later line
        people.push((name, reader));
    }
    people[0]
        .1
        .get_mut()
        .write_all(b"hello from alice\n")
        .await?;
    for (name, reader) in &mut people[1..] {
        let mut line = String::new();
        reader.read_line(&mut line).await?; // alice's line, through the server
        print!("{name} got: {line}");
    }
    Ok(()) // the runtime ends: every task and socket with it
}

async fn client(
    mut stream: TcpStream,
    id: u64,
    room: Room,
    mut inbox: broadcast::Receiver<(u64, String)>,
) -> std::io::Result<()> {
    let (reader, mut writer) = stream.split();
    let mut lines = BufReader::new(reader).lines();
    writer
        .write_all(format!("welcome, you are #{id}\n").as_bytes())
        .await?;
    loop {
        tokio::select! { // wait for whichever comes first: a line from this client, or for it
            line = lines.next_line() => match line? {
                Some(text) => { let _ = room.send((id, text)); } // never waits for the readers
                None => return Ok(()), // the client left
            },
            said = inbox.recv() => match said {
                Ok((from, text)) if from != id => writer.write_all(format!("#{from}: {text}\n").as_bytes()).await?,
                Ok(_) => {} // its own line: not sent back
                Err(broadcast::error::RecvError::Lagged(n)) => writer.write_all(format!("*** too slow: {n} lines skipped\n").as_bytes()).await?,
                Err(broadcast::error::RecvError::Closed) => return Ok(()),
            },
        }
    }
}

// ANCHOR: output-hook
/// Output that cannot be written ends the program: quietly when the reader closed the pipe
/// (`program | head`), with one `error:` line and status 1 otherwise (a full disk).
fn exit_when_output_fails() {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info.to_string();
        let Some((_, why)) = message.split_once("failed printing to stdout: ") else {
            return default_hook(info);
        };
        if why.contains("Broken pipe") {
            std::process::exit(0);
        }
        let why = why.split(" (os error").next().unwrap_or(why);
        eprintln!("error: cannot write the output ({why}); free some space or write elsewhere");
        std::process::exit(1);
    }));
}
// ANCHOR_END: output-hook
