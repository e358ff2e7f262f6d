//! Was the machine busy? One line under a table whose speedups read against the lesson
//! because other programs had the cores (or the run had only one), said in the learner's
//! words. It never changes a figure: it only explains one.

/// A run's share of the cores it could have used: `got`, its CPU seconds over its wall
/// seconds (how many cores it kept busy), against `could`, the cores it had work for.
pub struct Share<'a> {
    pub run: &'a str,
    pub got: f64,
    pub could: f64,
}

/// Below this share of what it could use, a run was held back by other programs.
const HELD_BACK: f64 = 0.9;

/// The one-minute load average: how many programs, on average, were running or waiting
/// for a core. Linux shows it in /proc/loadavg; elsewhere the note goes without it.
pub fn load_average() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/loadavg").ok()?;
    text.split_whitespace().next()?.parse().ok()
}

/// The note, when there is one to make: on one core, or when a run got less than 90% of
/// the cores it could use (the lowest such run is named).
pub fn note(cores: usize, shares: &[Share]) -> Option<String> {
    if cores == 1 {
        return Some(
            "note: this run had 1 core (taskset, or a one-core machine): threads and \
             processes can only take turns on it, so no speedup passes about 1"
                .to_string(),
        );
    }
    let worst = shares
        .iter()
        .filter(|s| s.could > 0.0)
        .min_by(|a, b| (a.got / a.could).total_cmp(&(b.got / b.could)))?;
    if worst.got / worst.could >= HELD_BACK {
        return None;
    }
    let load = load_average().map_or(String::new(), |l| {
        format!(", load average {l:.1} on {cores} cores")
    });
    let could = if worst.could == 1.0 {
        "1 core".to_string()
    } else {
        format!("{} cores", worst.could)
    };
    Some(format!(
        "note: the machine was busy{load}: \"{}\" kept {:.2} of the {could} it had work for \
         busy, so its wall time ran long and speedups read low (the figures are as measured)",
        worst.run, worst.got
    ))
}

#[cfg(test)]
mod tests {
    use super::{Share, note};

    #[test]
    fn a_note_only_when_held_back_or_on_one_core() {
        let share = |got| Share {
            run: "2 threads",
            got,
            could: 2.0,
        };
        assert!(note(2, &[share(1.9)]).is_none());
        let busy = note(2, &[share(1.9), share(1.1)]).unwrap();
        assert!(busy.contains("kept 1.10 of the 2 cores"), "{busy}");
        assert!(note(1, &[share(1.0)]).unwrap().contains("1 core"));
    }
}
