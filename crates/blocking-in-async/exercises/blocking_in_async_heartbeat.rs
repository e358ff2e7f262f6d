//! Your turn: keep the heartbeat on time.
//!
//! Predict first: a heartbeat wants to beat every 10 ms while four tasks each ask a
//! server a question that takes it 200 ms to answer, all on a one-thread runtime. How late
//! will the heartbeat's worst beat be?
//!
//! Then bring the worst beat under 20 ms late without removing the work: the four answers
//! must still be asked for, waited for and printed. Check it: `make exercise
//! NAME=blocking_in_async_heartbeat` (its own server answers the questions and times the
//! beats as they arrive). Run it as it is (with a stand-in server of its own):
//! `cargo run -p blocking-in-async --example blocking_in_async_heartbeat`.

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use tokio::io::AsyncWriteExt;

/// Asks the server at `addr` one question, with a client that blocks until the answer.
fn ask(addr: &str) -> std::io::Result<String> {
    let mut conn = std::net::TcpStream::connect(addr)?;
    conn.write_all(b"?")?;
    let mut answer = String::new();
    conn.read_to_string(&mut answer)?; // waits for the server's answer
    Ok(answer)
}

/// Beats every 10 ms: a byte to the server; says so when a beat is late.
async fn heartbeat(addr: String) -> std::io::Result<()> {
    let mut conn = tokio::net::TcpStream::connect(addr).await?;
    loop {
        let due = Instant::now() + Duration::from_millis(10);
        tokio::time::sleep_until(due.into()).await;
        if due.elapsed() > Duration::from_millis(20) {
            println!("heartbeat: {} ms late", due.elapsed().as_millis());
        }
        conn.write_all(b".").await?;
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args().nth(1).unwrap_or_else(stand_in_server);
    let beat = tokio::spawn(heartbeat(addr.clone()));
    tokio::time::sleep(Duration::from_millis(50)).await; // the heartbeat is beating
    let tasks: Vec<_> = (0..4)
        .map(|_| {
            let addr = addr.clone();
            tokio::spawn(async move { ask(&addr) })
        })
        .collect();
    for task in tasks {
        println!("answer {}", task.await.expect("a task panicked")?);
    }
    beat.abort();
    Ok(())
}

/// Not part of the exercise: a server on 127.0.0.1 that answers each question after
/// 200 ms (and takes heartbeats), for a run by hand.
fn stand_in_server() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a local port");
    let addr = listener.local_addr().expect("its address").to_string();
    std::thread::spawn(move || {
        for mut conn in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let mut first = [0u8];
                if conn.read_exact(&mut first).is_ok() && first[0] == b'?' {
                    std::thread::sleep(Duration::from_millis(200));
                    let _ = conn.write_all(b"42");
                }
                let _ = std::io::copy(&mut conn, &mut std::io::sink());
            });
        }
    });
    addr
}
