//! The checks of chat-server's exercises: `make exercise NAME=...` builds the exercise and
//! runs this with the program's path. Each check runs the program and measures it.

mod checking;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use checking::{Exercise, Verdict};

fn main() -> ExitCode {
    checking::main_for(&[Exercise {
        name: "chat_server_stall",
        question: "one client never reads; of 2,000 lines said, how many reach a client that reads?",
        goal: "all 2,000, none waiting 2 s, the server under 16 MB while 32 MB is said",
        hints: [
            "a write that waits for one client must not hold the others: give each connection a task that does its own writes",
            "tokio::sync::broadcast::channel(16): send() never waits; each connection subscribe()s and, in one select!, reads its client's lines or recv()s lines for it",
        ],
        check: stall,
    }])
}

const LINES: usize = 2000;
const LINE_BYTES: usize = 16 * 1024;

/// Starts the server, connects a client that never reads, a sayer and a reader; the sayer
/// says each line once the reader has the one before. Counts the lines the reader got,
/// the longest wait, and the server's peak memory (VmHWM, Linux).
fn stall(program: &Path) -> Verdict {
    let mut server = match Server::start(program) {
        Ok(server) => server,
        Err(why) => {
            return Verdict {
                measured: why,
                passed: false,
            };
        }
    };
    let (got, worst, why) = match talk(&server.addr) {
        Ok(figures) => figures,
        Err(why) => {
            return Verdict {
                measured: why,
                passed: false,
            };
        }
    };
    let peak_mb = server.peak_memory_mb();
    server.stop();
    let memory = peak_mb.map_or(String::new(), |mb| {
        format!(", the server's memory peaked at {mb:.0} MB")
    });
    Verdict {
        measured: format!(
            "the reader got {got} of {LINES} lines, the longest wait {:.0} ms{why}{memory}",
            worst * 1e3
        ),
        passed: got == LINES && worst < 2.0 && peak_mb.is_none_or(|mb| mb < 16.0),
    }
}

fn talk(addr: &str) -> Result<(usize, f64, String), String> {
    let connect = || TcpStream::connect(addr).map_err(|e| format!("cannot connect to {addr}: {e}"));
    let _silent = connect()?; // connects and never reads
    std::thread::sleep(Duration::from_millis(50));
    let mut sayer = connect()?;
    let reader = connect()?;
    reader
        .set_read_timeout(Some(Duration::from_secs(2)))
        .map_err(|e| e.to_string())?;
    sayer
        .set_write_timeout(Some(Duration::from_secs(2)))
        .map_err(|e| e.to_string())?;
    std::thread::sleep(Duration::from_millis(50)); // all three joined
    let mut reader = BufReader::new(reader);
    let text = "x".repeat(LINE_BYTES - 1);
    let (mut got, mut worst) = (0, 0.0f64);
    for i in 0..LINES {
        let said = Instant::now();
        if sayer.write_all(format!("{i} {text}\n").as_bytes()).is_err() {
            return Ok((got, 2.0, format!("; saying line {i} waited over 2 s")));
        }
        // Lines skipped by a lagging reader would be missing: wait for this one.
        loop {
            let mut line = String::new();
            match reader.read_line(&mut line) {
                Ok(n) if n > 0 => {
                    if line.split(": ").nth(1).and_then(|l| l.split(' ').next())
                        == Some(&i.to_string())
                    {
                        break;
                    }
                }
                _ => return Ok((got, 2.0, format!("; line {i} did not come within 2 s"))),
            }
        }
        got += 1;
        worst = worst.max(said.elapsed().as_secs_f64());
    }
    Ok((got, worst, String::new()))
}

/// The learner's server as a child process, stopped and reaped when the check ends.
struct Server {
    child: Child,
    addr: String,
}

impl Server {
    fn start(program: &Path) -> Result<Server, String> {
        let mut child = Command::new(program)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", program.display()))?;
        let mut first = String::new();
        let _ = BufReader::new(child.stdout.take().unwrap()).read_line(&mut first);
        let addr = first
            .split(" on ")
            .nth(1)
            .and_then(|r| r.split(';').next())
            .map(str::trim);
        let Some(addr) = addr.filter(|a| a.starts_with("127.0.0.1:")) else {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!(
                "its first line should be `chat on 127.0.0.1:PORT; ...`, not {first:?}"
            ));
        };
        Ok(Server {
            addr: addr.to_string(),
            child,
        })
    }

    fn peak_memory_mb(&self) -> Option<f64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
        let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kb / 1024.0)
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}
