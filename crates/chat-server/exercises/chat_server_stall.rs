//! Your turn: a chat server where one client that stops reading stalls everyone.
//!
//! Predict first: one client connects and never reads. Another says 2,000 lines of 16 KB,
//! one at a time, each as soon as a third client (who reads everything) has the one
//! before. How many of the 2,000 reach the third client?
//!
//! This server fans each line out itself: it writes the line to every other client in
//! turn, waiting for each write. Once the silent client's buffers are full, its write
//! never finishes, and nobody gets another line. Make a client that stops reading stall
//! nobody, with the server's memory bounded: give each connection a
//! `tokio::sync::broadcast` receiver and let its own task do its writes.
//! Check it: `make exercise NAME=chat_server_stall` (it connects the three clients
//! itself and measures the lines, their waits and the server's memory). Run it as it is:
//! `cargo run -p chat-server --example chat_server_stall`.

use std::sync::Arc;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::net::tcp::OwnedWriteHalf;
use tokio::sync::Mutex;

type Writers = Arc<Mutex<Vec<(u64, OwnedWriteHalf)>>>;

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    println!("chat on {}; Ctrl-C stops it", listener.local_addr()?);
    let writers: Writers = Arc::default();
    for id in 1.. {
        let (stream, _) = listener.accept().await?;
        let (reader, writer) = stream.into_split();
        writers.lock().await.push((id, writer));
        let writers = Arc::clone(&writers);
        tokio::spawn(async move {
            let mut lines = BufReader::new(reader).lines();
            while let Ok(Some(text)) = lines.next_line().await {
                let line = format!("#{id}: {text}\n");
                // Every other client's write, one after another: a full one holds them all.
                for (other, writer) in writers.lock().await.iter_mut() {
                    if *other != id {
                        let _ = writer.write_all(line.as_bytes()).await;
                    }
                }
            }
        });
    }
    Ok(())
}
