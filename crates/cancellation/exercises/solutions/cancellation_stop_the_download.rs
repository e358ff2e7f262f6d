//! A solution to `cancellation_stop_the_download`: the timeout owns the download's future
//! itself, not a JoinHandle. When the 300 ms are up it drops the future, which drops its
//! TcpStream: the connection closes at once. (Keeping the task and calling `abort()` on
//! it when the timeout fires works too.)

use std::time::Duration;

use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;
use tokio::time::timeout;

/// Reads everything the server at `addr` sends, until it closes the connection.
async fn download(addr: String) -> std::io::Result<usize> {
    let mut conn = TcpStream::connect(addr).await?;
    let (mut total, mut buf) = (0, [0u8; 4096]);
    loop {
        match conn.read(&mut buf).await? {
            0 => return Ok(total),
            n => total += n,
        }
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args().nth(1).unwrap_or_else(stand_in_server);
    match timeout(Duration::from_millis(300), download(addr)).await {
        Ok(done) => println!("downloaded {} bytes", done?),
        Err(_) => println!("gave up after 300 ms"),
    }
    tokio::time::sleep(Duration::from_secs(1)).await; // the program's other work
    println!("done");
    Ok(())
}

/// Not part of the exercise: a server on 127.0.0.1 that sends a chunk every 20 ms for one
/// second, for a run by hand.
fn stand_in_server() -> String {
    use std::io::Write;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a local port");
    let addr = listener.local_addr().expect("its address").to_string();
    std::thread::spawn(move || {
        for mut conn in listener.incoming().flatten() {
            std::thread::spawn(move || {
                for _ in 0..50 {
                    std::thread::sleep(Duration::from_millis(20));
                    let _ = conn.write_all(&[b'x'; 1000]);
                }
            });
        }
    });
    addr
}
