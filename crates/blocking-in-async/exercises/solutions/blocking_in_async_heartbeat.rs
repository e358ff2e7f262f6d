//! A solution to `blocking_in_async_heartbeat`: the blocking client moves off the
//! runtime's one thread onto tokio's blocking pool (`spawn_blocking`), where the four
//! questions wait at once; the runtime's thread stays free to run the heartbeat. (An async
//! client, tokio's own TcpStream, would do too.)

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
            tokio::task::spawn_blocking(move || ask(&addr))
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
