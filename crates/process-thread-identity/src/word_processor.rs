//! Part two: the notes' word processor. One process, four named threads, one document in
//! the process's memory that all four read and write (behind a Mutex, with a Condvar to say
//! "it changed"): `keystrokes` types a sentence one key at a time, `display` redraws the
//! page after each change, `autosave` writes the document to a file on a timer, and
//! `spelling` checks each finished word. Each thread measures its own CPU time (the
//! thread's CPU clock) against its life: most of it is waiting, for a key, for a change or
//! for the timer, and that idle time is what lets four threads share one process cheaply.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::sync::{Barrier, Condvar, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::Context;
use nix::time::ClockId;

use crate::os::{os_thread_count, os_thread_id};
use crate::trace::{Trace, Track};

/// What the keystrokes thread types: two words are misspelt on purpose.
pub const SENTENCE: &str = "Teh quick brown fox will recieve the letter today.";
const DICTIONARY: [&str; 8] = [
    "the", "quick", "brown", "fox", "will", "receive", "letter", "today",
];
pub const NAMES: [&str; 4] = ["keystrokes", "display", "autosave", "spelling"];

/// The one document: its text, how many changes it has had, and whether typing is over.
struct Document {
    text: String,
    changes: u64,
    closed: bool,
}

struct Shared<'t> {
    doc: Mutex<Document>,
    changed: Condvar,
    /// Where autosave writes: only its thread uses it.
    file: Mutex<File>,
    trace: &'t Trace,
    /// The typist's pause before each key, and the autosave period.
    key: Duration,
    every: Duration,
}

/// A thread's work: what it did, in words, and how many times.
type Work = fn(&Shared, Track) -> (String, u64);

/// What one thread did while the others waited.
pub struct Report {
    pub name: &'static str,
    pub tid: u64,
    pub did: String,
    pub count: u64,
    pub cpu: Duration,
    pub alive: Duration,
    /// Where it found the document's text in memory: the same address in every thread.
    pub text_at: usize,
}

impl Report {
    /// waiting_pct: the share of its life the thread did not run.
    pub fn waiting_pct(&self) -> f64 {
        100.0 * (1.0 - self.cpu.as_secs_f64() / self.alive.as_secs_f64().max(1e-9))
    }
}

/// The run: the OS's thread count while the four lived, what each did, the document, what
/// the last autosave holds, and the misspelt words.
pub struct Editor {
    pub threads_during: usize,
    pub reports: Vec<Report>,
    pub text: String,
    pub saved: String,
}

/// Starts the four threads, counts the process's threads while they all live, and waits
/// for them. `key` is the typist's pause before each key, `every` the autosave period.
pub fn run(key: Duration, every: Duration, trace: &Trace) -> anyhow::Result<Editor> {
    let shared = Shared {
        file: Mutex::new(save_file()?),
        doc: Mutex::new(Document {
            text: String::with_capacity(SENTENCE.len()), // never moves: the address holds
            changes: 0,
            closed: false,
        }),
        changed: Condvar::new(),
        trace,
        key,
        every,
    };
    let group = trace.group("word processor: one process, 4 threads, one document");
    let tracks = NAMES.map(|n| trace.track(group, &format!("{n} thread")));
    let started = Barrier::new(NAMES.len() + 1);
    let (threads_during, results) = thread::scope(|scope| {
        let start = |k: usize, work: Work| {
            let (shared, started) = (&shared, &started);
            thread::Builder::new()
                .name(NAMES[k].to_string())
                .spawn_scoped(scope, move || {
                    let (born, cpu) = (Instant::now(), thread_cpu());
                    started.wait();
                    let (did, count) = work(shared, tracks[k]);
                    let text_at = shared.lock().text.as_ptr() as usize;
                    let report = |tid| Report {
                        name: NAMES[k],
                        tid,
                        did,
                        count,
                        cpu: thread_cpu().saturating_sub(cpu),
                        alive: born.elapsed(),
                        text_at,
                    };
                    os_thread_id().map(report)
                })
                .with_context(|| format!("cannot start the {} thread", NAMES[k]))
        };
        let handles = [
            start(0, keystrokes),
            start(1, display),
            start(2, autosave),
            start(3, spelling),
        ];
        let handles: Vec<_> = handles.into_iter().collect::<anyhow::Result<_>>()?;
        started.wait();
        let during = os_thread_count();
        let results: Vec<_> = handles
            .into_iter()
            .map(|h| {
                h.join()
                    .map_err(|_| anyhow::anyhow!("an editor thread panicked"))
            })
            .collect::<anyhow::Result<_>>()?;
        anyhow::Ok((during?, results))
    })?;
    let reports: Vec<Report> = results.into_iter().collect::<anyhow::Result<_>>()?;
    let doc = shared.doc.into_inner().unwrap_or_else(|e| e.into_inner());
    let mut file = shared.file.into_inner().unwrap_or_else(|e| e.into_inner());
    let mut saved = String::new();
    file.seek(SeekFrom::Start(0))
        .and_then(|_| file.read_to_string(&mut saved))
        .context("cannot read the autosaved document back")?;
    Ok(Editor {
        threads_during,
        text: doc.text,
        saved,
        reports,
    })
}

impl Shared<'_> {
    fn lock(&self) -> MutexGuard<'_, Document> {
        self.doc.lock().unwrap_or_else(|e| e.into_inner())
    }
    /// Waits until the document has changed past `seen` or typing is over.
    fn wait_for_a_change(&self, seen: u64, track: Track) -> MutexGuard<'_, Document> {
        let from = Instant::now();
        let doc = self.lock();
        let doc = self
            .changed
            .wait_while(doc, |d| d.changes == seen && !d.closed)
            .unwrap_or_else(|e| e.into_inner());
        let waited = "waiting for a change";
        self.trace
            .slice(track, "waiting", waited, from, Instant::now());
        doc
    }
}

// ANCHOR: threads
/// keystrokes: waits for each key (the typist's pause), then adds it to the document and
/// tells the others it changed. At the end it closes the document.
fn keystrokes(shared: &Shared, track: Track) -> (String, u64) {
    for ch in SENTENCE.chars() {
        let from = Instant::now();
        thread::sleep(shared.key); // waiting for the next key
        let waited = "waiting for a key";
        shared
            .trace
            .slice(track, "waiting", waited, from, Instant::now());
        let mut doc = shared.lock();
        doc.text.push(ch);
        doc.changes += 1;
        drop(doc);
        shared.changed.notify_all(); // wakes display and spelling
    }
    shared.lock().closed = true;
    shared.changed.notify_all();
    let keys = SENTENCE.chars().count() as u64;
    (format!("typed {keys} keys"), keys)
}

/// display: after each change, copies the page out of the document and draws it.
fn display(shared: &Shared, track: Track) -> (String, u64) {
    let (mut seen, mut redraws) = (0, 0);
    loop {
        let doc = shared.wait_for_a_change(seen, track);
        if doc.changes == seen {
            break; // closed, nothing new
        }
        seen = doc.changes;
        let page = format!("|{}_|", doc.text);
        drop(doc);
        std::hint::black_box(page); // the drawing
        redraws += 1;
    }
    (format!("redrew the page {redraws} times"), redraws)
}

/// autosave: waits for its timer (or the end of typing), then writes the document to the
/// save file if it changed since the last save.
fn autosave(shared: &Shared, track: Track) -> (String, u64) {
    let mut file = shared.file.lock().unwrap_or_else(|e| e.into_inner());
    let (mut saved, mut saves, mut bytes) = (0, 0, 0);
    loop {
        let from = Instant::now();
        let (doc, _) = shared
            .changed
            .wait_timeout_while(shared.lock(), shared.every, |d| !d.closed)
            .unwrap_or_else(|e| e.into_inner());
        let timer = "waiting for the autosave timer";
        shared
            .trace
            .slice(track, "waiting", timer, from, Instant::now());
        let (text, changes, closed) = (doc.text.clone(), doc.changes, doc.closed);
        drop(doc); // the file is written without holding the document
        if changes != saved && write_over(&mut file, &text).is_ok() {
            (saved, saves, bytes) = (changes, saves + 1, bytes + text.len());
        }
        if closed {
            break;
        }
    }
    (format!("saved {saves} times, {bytes} bytes in all"), saves)
}

/// spelling: after each change, checks the words finished since its last check.
fn spelling(shared: &Shared, track: Track) -> (String, u64) {
    let (mut seen, mut checked, mut wrong) = (0, 0, Vec::new());
    loop {
        let doc = shared.wait_for_a_change(seen, track);
        if doc.changes == seen {
            break;
        }
        seen = doc.changes;
        let words: Vec<String> = finished_words(&doc.text).map(str::to_lowercase).collect();
        drop(doc);
        for word in &words[checked..] {
            if !DICTIONARY.contains(&word.as_str()) {
                wrong.push(word.clone());
            }
        }
        checked = words.len();
    }
    let n = wrong.len() as u64;
    (
        format!("checked {checked} words, {n} misspelt: {}", wrong.join(" ")),
        n,
    )
}
// ANCHOR_END: threads

/// The words of `text` followed by a space or a full stop.
fn finished_words(text: &str) -> impl Iterator<Item = &str> {
    let done = text.rfind([' ', '.']).map_or("", |end| &text[..end]);
    done.split([' ', '.']).filter(|w| !w.is_empty())
}

/// The save file: made in the temporary folder and unlinked at once, so nothing is left
/// behind even when the run is interrupted; the open handle still reads and writes it.
fn save_file() -> anyhow::Result<File> {
    let path = std::env::temp_dir().join(format!("word-processor-{}.txt", std::process::id()));
    let file = File::options()
        .read(true)
        .write(true)
        .create_new(true)
        .open(&path)
        .with_context(|| format!("cannot create the autosave file {}", path.display()))?;
    std::fs::remove_file(&path).context("cannot unlink the autosave file")?;
    Ok(file)
}

fn write_over(file: &mut File, text: &str) -> std::io::Result<()> {
    file.set_len(0)?;
    file.seek(SeekFrom::Start(0))?;
    file.write_all(text.as_bytes())
}

/// CPU time the calling thread has used so far.
fn thread_cpu() -> Duration {
    ClockId::CLOCK_THREAD_CPUTIME_ID
        .now()
        .map_or(Duration::ZERO, Duration::from)
}
