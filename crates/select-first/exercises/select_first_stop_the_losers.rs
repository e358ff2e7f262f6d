//! Your turn: ask three mirrors, use the first answer.
//!
//! Predict first: the mirrors answer after 100, 300 and 500 ms. Once the first answer is
//! in, how many of the other two requests still hold their connection open and get an
//! answer nobody reads?
//!
//! Then stop the losers: when the first answer wins, the other two requests must end at
//! once (their connections closed), while the program goes on using the answer. Check it:
//! `make exercise NAME=select_first_stop_the_losers` (it runs the mirrors itself and sees
//! each connection close). Run it as it is (with stand-in mirrors of its own):
//! `cargo run -p select-first --example select_first_stop_the_losers`.

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
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    for n in 1..=3 {
        let (addr, tx) = (addr.clone(), tx.clone());
        tokio::spawn(async move { tx.send(fetch(addr, n).await) }); // the race
    }
    let first = rx.recv().await.expect("a mirror")?; // the first answer wins
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
