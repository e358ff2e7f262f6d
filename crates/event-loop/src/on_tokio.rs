//! The same tasks on tokio's single-threaded runtime, written to mirror
//! `tasks.rs` line for line: only the imports and the join at the end differ.
//! Used by `--runtime tokio|both` and by the tests, to check that the loop
//! from scratch produces the same finish order and the same values.

use std::io;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio::time::sleep;

use crate::tasks::{Log, Record, Scenario, client_of, greeting, recorded};

/// Runs the task set on a current_thread runtime; returns the records and the elapsed time.
pub fn run(sc: Scenario) -> Result<(Vec<Record>, Duration), String> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| {
            format!("cannot start the tokio runtime: {e}; check the open file limit (ulimit -n)")
        })?;
    rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| format!("cannot bind 127.0.0.1:0 for tokio: {e}; is loopback up?"))?;
        let addr = listener
            .local_addr()
            .map_err(|e| format!("no local address: {e}; is loopback up?"))?;
        let log = Log::new();
        let start = Instant::now();
        let mut handles = vec![tokio::spawn(recorded(
            "server".into(),
            log.clone(),
            server(sc, listener, log.clone()),
        ))];
        for i in 1..=sc.clients {
            handles.push(tokio::spawn(recorded(
                format!("client-{i}"),
                log.clone(),
                client(i, addr, log.clone()),
            )));
        }
        for (name, nap) in sc.sleepers() {
            handles.push(tokio::spawn(recorded(
                name.into(),
                log.clone(),
                sleeper(name, nap, log.clone()),
            )));
        }
        // tokio drops unfinished tasks when block_on returns, so wait for each one
        // (the scratch loop simply runs until no task is left).
        join(handles).await?;
        Ok((log.records(), start.elapsed()))
    })
}

async fn join(handles: Vec<JoinHandle<()>>) -> Result<(), String> {
    for handle in handles {
        handle
            .await
            .map_err(|e| format!("a tokio task died: {e}; this is a bug in the demo"))?;
    }
    Ok(())
}

async fn server(sc: Scenario, listener: TcpListener, log: Log) -> io::Result<()> {
    let mut echoes = Vec::new();
    for _ in 0..sc.clients {
        let (stream, _peer) = listener.accept().await?;
        echoes.push(tokio::spawn(recorded(
            "echo".into(),
            log.clone(),
            echo(sc, stream, log.clone()),
        )));
    }
    log.record("server", format!("accepted {} connections", sc.clients));
    join(echoes).await.map_err(io::Error::other)
}

async fn echo(sc: Scenario, mut stream: TcpStream, log: Log) -> io::Result<()> {
    let line = read_line(&mut stream).await?;
    let client = client_of(&line)?;
    let delay = sc.echo_delay(client);
    sleep(delay).await;
    stream.write_all(line.as_bytes()).await?;
    log.record(
        format!("echo-{client}"),
        format!(
            "echoed {:?} after {} ms",
            line.trim_end(),
            delay.as_millis()
        ),
    );
    Ok(())
}

async fn client(i: u32, addr: SocketAddr, log: Log) -> io::Result<()> {
    let mut stream = TcpStream::connect(addr).await?;
    stream.write_all(greeting(i).as_bytes()).await?;
    let reply = read_line(&mut stream).await?;
    log.record(format!("client-{i}"), format!("got {:?}", reply.trim_end()));
    Ok(())
}

async fn sleeper(name: &'static str, nap: Duration, log: Log) -> io::Result<()> {
    sleep(nap).await;
    log.record(name, format!("slept {} ms", nap.as_millis()));
    Ok(())
}

async fn read_line(stream: &mut TcpStream) -> io::Result<String> {
    let mut line = Vec::new();
    let mut buf = [0u8; 256];
    while !line.contains(&b'\n') {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        line.extend_from_slice(&buf[..n]);
    }
    Ok(String::from_utf8_lossy(&line).into_owned())
}
