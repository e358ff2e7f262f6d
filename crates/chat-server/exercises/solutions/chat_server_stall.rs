//! A solution to `chat_server_stall`: each line goes into one broadcast channel, and each
//! connection's own task writes what it receives. The silent client's task waits alone;
//! the channel keeps at most 16 lines for it and then tells it it lagged.

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::broadcast::{self, error::RecvError};

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    println!("chat on {}; Ctrl-C stops it", listener.local_addr()?);
    let (room, _) = broadcast::channel::<(u64, String)>(16);
    for id in 1.. {
        let (mut stream, _) = listener.accept().await?;
        let room = room.clone();
        tokio::spawn(async move {
            let mut inbox = room.subscribe();
            let (reader, mut writer) = stream.split();
            let mut lines = BufReader::new(reader).lines();
            loop {
                tokio::select! {
                    line = lines.next_line() => match line {
                        Ok(Some(text)) => { let _ = room.send((id, format!("#{id}: {text}\n"))); }
                        _ => break,
                    },
                    said = inbox.recv() => match said {
                        Ok((from, line)) if from != id => {
                            if writer.write_all(line.as_bytes()).await.is_err() { break }
                        }
                        Ok(_) | Err(RecvError::Lagged(_)) => {} // a lagged reader skips ahead
                        Err(RecvError::Closed) => break,
                    },
                }
            }
        });
    }
    Ok(())
}
