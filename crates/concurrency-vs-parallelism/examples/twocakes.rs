//! The notes' two cakes, each mixed (CPU work) then baked (the oven works alone), twice.
//! One baker, one thread, turns to the other cake whenever one goes into the oven:
//! concurrency. Two bakers, two threads, mix both cakes at once on two cores: parallelism.
//!     cargo run --release -p concurrency-vs-parallelism --example twocakes

use std::hint::black_box;
use std::time::{Duration, Instant};

/// Mixing: a fixed amount of arithmetic, each stroke needing the one before.
fn mix(cake: u32) -> u64 {
    let mut dough = cake as u64;
    for stroke in 0..black_box(20_000_000) {
        dough = dough
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(stroke);
        dough ^= dough >> 29; // not linear: no shortcut through many strokes at once
    }
    dough
}

async fn bake_with_one_baker(cake: u32) {
    for step in 1..=2 {
        println!("  mixing cake {cake} (step {step})");
        black_box(mix(cake)); // no .await inside: the other cake waits for the baker
        println!("  cake {cake} into the oven");
        // .await hands the one thread back: the baker turns to the other cake meanwhile.
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    println!("  cake {cake} is done");
}

fn bake_with_a_baker_of_its_own(cake: u32) {
    for step in 1..=2 {
        println!("  baker {cake}: mixing cake {cake} (step {step})");
        black_box(mix(cake)); // on its own core, at the same time as the other baker
        println!("  baker {cake}: cake {cake} into the oven");
        std::thread::sleep(Duration::from_millis(300)); // blocks only this baker
    }
    println!("  baker {cake}: cake {cake} is done");
}

fn main() -> anyhow::Result<()> {
    exit_when_output_fails(); // one error line, not a panic, if stdout fails (end of file)
    println!("One baker (concurrency: one thread, switching at the oven):");
    let start = Instant::now();
    let one_thread = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()?;
    one_thread.block_on(async { tokio::join!(bake_with_one_baker(1), bake_with_one_baker(2)) });
    println!(
        "  both cakes in {:.2} seconds",
        start.elapsed().as_secs_f64()
    );

    println!("Two bakers (parallelism: two threads, mixing at the same time):");
    let start = Instant::now();
    std::thread::scope(|kitchen| {
        kitchen.spawn(|| bake_with_a_baker_of_its_own(1));
        kitchen.spawn(|| bake_with_a_baker_of_its_own(2));
    }); // the scope waits for both bakers
    println!(
        "  both cakes in {:.2} seconds",
        start.elapsed().as_secs_f64()
    );
    Ok(())
}

// ANCHOR: output-hook
/// Output that cannot be written ends the program: quietly when the reader closed the pipe
/// (`program | head`), with one `error:` line and status 1 otherwise (a full disk).
fn exit_when_output_fails() {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info.to_string();
        let Some((_, why)) = message.split_once("failed printing to stdout: ") else {
            return default_hook(info);
        };
        if why.contains("Broken pipe") {
            std::process::exit(0);
        }
        let why = why.split(" (os error").next().unwrap_or(why);
        eprintln!("error: cannot write the output ({why}); free some space or write elsewhere");
        std::process::exit(1);
    }));
}
// ANCHOR_END: output-hook
