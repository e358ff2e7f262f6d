//! A solution to `select_first_stop_the_losers`: select! over the three fetches themselves.
//! The first to finish wins, and select! drops the other two futures before its handler
//! runs; each dropped future drops its TcpStream, which closes the connection at once.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Asks mirror `n` (1, 2 or 3) at `addr` and reads its whole answer.
async fn fetch(addr: String, n: u8) -> std::io::Result<String> {
    let mut conn = TcpStream::connect(addr).await?;
    conn.write_all(&[n]).await?;
    let mut answer = String::new();
    conn.read_to_string(&mut answer).await?; // the connection stays open until it ends
    Ok(answer)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args().nth(1).unwrap_or_else(stand_in_mirrors);
    let first = tokio::select! {
        answer = fetch(addr.clone(), 1) => answer,
        answer = fetch(addr.clone(), 2) => answer,
        answer = fetch(addr.clone(), 3) => answer,
    }?; // the losers are dropped here: their connections close
    println!("first answer: {}", first.trim());
    tokio::time::sleep(Duration::from_millis(600)).await; // using the answer
    println!("done");
    Ok(())
}

/// Not part of the exercise: three mirrors on 127.0.0.1, for a run by hand. Mirror n
/// answers after 100, 300 or 500 ms.
fn stand_in_mirrors() -> String {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a local port");
    let addr = listener.local_addr().expect("its address").to_string();
    std::thread::spawn(move || {
        for mut conn in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let mut n = [0u8];
                let _ = conn.read_exact(&mut n);
                std::thread::sleep(Duration::from_millis(200 * n[0] as u64 - 100));
                let _ = write!(conn, "mirror {} answered", n[0]);
            });
        }
    });
    addr
}
