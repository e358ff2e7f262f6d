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
        println!();
        println!(
            "I/O steps: {:.3} ms ({:.3}%)   CPU steps: {:.1} us ({:.3}%)",
            ms(self.io()),
            pct(self.io()),
            self.cpu().as_secs_f64() * 1e6,
            pct(self.cpu())
        );
        if self.latency_ms > 0 {
            println!(
                "The fetch includes the server's {} ms wait; the CPU steps never wait.",
                self.latency_ms
            );
        }
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
                ("format_s", s(self.format)),
                ("join_s", s(self.join)),
                ("write_s", s(self.write)),
                ("io_s", s(self.io())),
                ("cpu_s", s(self.cpu())),
                ("io_share", format!("{:.3}", self.share(self.io()))),
                ("headers", self.headers.to_string()),
                ("ideal_s", format!("{:.3}", self.latency_ms as f64 / 1e3)),
                ("cpu_us", us(self.cpu())),
                ("write_us", us(self.write)),
                ("total_s", s(self.total())),
            ],
        )
    }
}
