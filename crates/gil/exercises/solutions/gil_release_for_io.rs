//! A solution to `gil_release_for_io`: each thread lets go of the GIL while it waits for
//! its reply and takes it back to handle the reply, so the four waits overlap.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant};

/// The interpreter's state: a thread must hold the GIL to touch it.
static GIL: Mutex<Vec<usize>> = Mutex::new(Vec::new());

fn main() {
    let server = std::env::args().nth(1).unwrap_or_else(start_a_slow_server);
    let start = Instant::now();
    thread::scope(|s| {
        for k in 0..4 {
            let server = &server;
            s.spawn(move || {
                let state = GIL.lock().unwrap(); // no bytecode without the GIL
                let request = format!("request {k}\n"); // build the request
                drop(state); // around the I/O: let go of the GIL,
                let reply = ask(server, &request); // wait (the others run meanwhile),
                GIL.lock().unwrap().push(reply.len()); // and take it back to handle the reply
            });
        }
    });
    let replies = GIL.lock().unwrap().len();
    println!(
        "{replies} replies in {:.0} ms",
        start.elapsed().as_secs_f64() * 1e3
    );
}

/// Sends one request and reads the whole reply: a blocking call.
fn ask(server: &str, request: &str) -> String {
    let mut stream = TcpStream::connect(server).expect("connect to the server");
    stream
        .write_all(request.as_bytes())
        .expect("send the request");
    let mut reply = String::new();
    stream.read_to_string(&mut reply).expect("read the reply");
    reply
}

/// Where the requests go when the program runs alone: each reply comes after 200 ms.
fn start_a_slow_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("listen on loopback");
    let address = listener.local_addr().unwrap().to_string();
    thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            thread::spawn(move || {
                let mut line = String::new();
                let _ = BufReader::new(&stream).read_line(&mut line);
                thread::sleep(Duration::from_millis(200));
                let _ = stream.write_all(format!("reply to {line}").as_bytes());
            });
        }
    });
    address
}
