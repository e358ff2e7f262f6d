//! The same tasks on tokio's single-threaded runtime, written to mirror
//! `tasks.rs` line for line: only the imports and the join at the end differ.
//! Used by `--runtime tokio|both` and by the tests, to check that the loop
//! from scratch produces the same finish order and the same values.

use std::io;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use anyhow::Context;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::task::JoinHandle;
use tokio::time::sleep;

use crate::tasks::{Log, Record, Scenario, client_of, greeting, recorded};

/// Runs the task set on a current_thread runtime; returns the records and the elapsed time.
pub fn run(sc: Scenario) -> anyhow::Result<(Vec<Record>, Duration)> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the tokio runtime; check the open file limit (ulimit -n)")?;
    rt.block_on(async {
        let listener = listen(([127, 0, 0, 1], 0).into())
            .context("cannot listen on 127.0.0.1 for tokio; is the loopback interface up?")?;
        let addr = listener
            .local_addr()
            .context("no local address; is the loopback interface up?")?;
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

/// A listener with room for 1,024 waiting connections, as the scratch loop's. tokio's own
/// `TcpListener::bind` asks for 128, as std does (mio 1.x), which a burst overflows.
/// Called inside the runtime: the listener registers with tokio's reactor.
pub fn listen(addr: SocketAddr) -> io::Result<TcpListener> {
    let socket = match addr {
        SocketAddr::V4(_) => TcpSocket::new_v4()?,
        SocketAddr::V6(_) => TcpSocket::new_v6()?,
    };
    socket.set_reuseaddr(true)?; // as bind does: a restarted server gets its port back
    socket.bind(addr)?;
    socket.listen(crate::leaf::BACKLOG as u32)
}

async fn join(handles: Vec<JoinHandle<()>>) -> anyhow::Result<()> {
    for handle in handles {
        handle
            .await
            .context("a tokio task died; this is a bug in the demo")?;
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
    join(echoes)
        .await
        .map_err(|e| io::Error::other(format!("{e:#}")))
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
