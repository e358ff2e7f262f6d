//! The four steps' times, the table, the file as written, and the summary line.

use std::fmt;
use std::time::Duration;

use crate::outfile::Written;
use crate::output::write_summary;

pub struct Summary {
    pub latency_ms: u64,
    pub fetch: Duration,
    pub format: Duration,
    pub join: Duration,
    pub write: Duration,
    pub headers: usize,
    /// Whether the write waited for the disk (--fsync).
    pub fsync: bool,
}

impl Summary {
    fn io(&self) -> Duration {
        self.fetch + self.write
    }
    fn cpu(&self) -> Duration {
        self.format + self.join
    }
    fn total(&self) -> Duration {
        self.io() + self.cpu()
    }
    /// Part of the total, 0..=1.
    fn share(&self, part: Duration) -> f64 {
        part.as_secs_f64() / self.total().as_secs_f64().max(f64::MIN_POSITIVE)
    }

    pub fn print_table(&self) {
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        let pct = |d: Duration| self.share(d) * 100.0;
        println!();
        println!(
            "{:<7} {:<4} {:<36} {:>11} {:>8}",
            "step", "kind", "what", "time (ms)", "share"
        );
        let rows = [
            (
                "fetch",
                "I/O",
                "send the request, wait for the reply",
                self.fetch,
            ),
            (
                "format",
                "CPU",
                "each header -> \"name: value\"",
                self.format,
            ),
            ("join", "CPU", "lines -> one string", self.join),
            ("write", "I/O", "string -> file", self.write),
        ];
        for (step, kind, what, d) in rows {
            println!(
                "{step:<7} {kind:<4} {what:<36} {:>11.3} {:>7.3}%",
                ms(d),
                pct(d)
            );
        }
        println!("{:<49} {:>11.3} {:>7.3}%", "total", ms(self.total()), 100.0);
        println!("kind: I/O = the step waits for the network or the disk; CPU = it only computes.");
        println!("share: the step's part of the total time.");
        println!();
        // Each figure of the summary line, under its key, with its unit and meaning.
        let us = |d: Duration| d.as_secs_f64() * 1e6;
        let secs = |d: Duration| d.as_secs_f64();
        let wait = match self.latency_ms {
            0 => "no deliberate wait".to_owned(),
            ms => format!("the server's {ms} ms wait is in it"),
        };
        println!(
            "fetch_s  {:.3}: the fetch, in seconds ({wait})",
            secs(self.fetch)
        );
        println!(
            "io_s     {:.3}: the I/O steps, fetch + write, in seconds: {:.3}% of the total",
            secs(self.io()),
            pct(self.io())
        );
        println!(
            "io_share {:.3}: the same share as a fraction (1.000 = all of the time, rounded)",
            self.share(self.io())
        );
        println!(
            "cpu_us   {:.1}: the CPU steps, format + join, in microseconds (us): {:.3}%",
            us(self.cpu()),
            pct(self.cpu())
        );
        println!(
            "write_us {:.1}: the write alone, in us ({})",
            us(self.write),
            match self.fsync {
                true => "with --fsync: until the disk has the bytes",
                false => "the kernel's page cache takes the bytes: no disk wait",
            }
        );
        println!(
            "total_s  {:.3}: the four steps together, in seconds",
            secs(self.total())
        );
        println!(
            "headers  {}: the lines written to the file, one per header value",
            self.headers
        );
        let ideal = match self.latency_ms {
            0 => "none here (--url, or --latency-ms 0)".to_owned(),
            ms => format!("the server's {ms} ms"),
        };
        println!(
            "ideal_s  {:.3}: what the deliberate waits alone would take: {ideal}",
            self.latency_ms as f64 / 1e3
        );
    }
}

/// Shows exactly what was written (read back, untimed, before a temporary file went).
pub fn print_file(written: &Written) {
    println!();
    print!(
        "wrote {} bytes to {}",
        written.contents.len(),
        written.path.display()
    );
    match written.temporary {
        true => println!(" (temporary: already removed; pass --out FILE to keep it)"),
        false => println!(),
    }
    println!("--- file contents ---");
    print!("{}", written.contents);
    println!("---------------------");
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = |d: Duration| format!("{:.3}", d.as_secs_f64());
        let us = |d: Duration| format!("{:.1}", d.as_secs_f64() * 1e6);
        write_summary(
            f,
            &[
                ("latency_ms", self.latency_ms.to_string()),
                ("fetch_s", s(self.fetch)),
                ("io_s", s(self.io())),
                ("io_share", format!("{:.3}", self.share(self.io()))),
                ("cpu_us", us(self.cpu())),
                ("write_us", us(self.write)),
                ("total_s", s(self.total())),
                ("headers", self.headers.to_string()),
                ("ideal_s", format!("{:.3}", self.latency_ms as f64 / 1e3)),
            ],
        )
    }
}
