//! What each cake was doing, and when: spans recorded while baking, and the text timeline
//! drawn from them. Kept apart from the baking so the arithmetic can be unit-tested.

/// What a cake is doing during a span of time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Being mixed: the baker's thread is doing CPU work for it.
    Mix,
    /// In the oven: nobody works on it, its baker's code is sleeping or awaiting.
    Oven,
}

/// One recorded stretch of a cake's life, in seconds since its kitchen opened, and the CPU
/// seconds its baker's thread used meanwhile.
#[derive(Clone, Copy, Debug)]
pub struct Span {
    pub kind: Kind,
    pub start: f64,
    pub end: f64,
    pub cpu: f64,
}

/// Total seconds a cake spent in spans of `kind`.
pub fn time_in(spans: &[Span], kind: Kind) -> f64 {
    spans
        .iter()
        .filter(|s| s.kind == kind)
        .map(|s| s.end - s.start)
        .sum()
}

/// Total CPU seconds a cake's baker used in spans of `kind`.
pub fn cpu_in(spans: &[Span], kind: Kind) -> f64 {
    spans.iter().filter(|s| s.kind == kind).map(|s| s.cpu).sum()
}

/// Seconds during which both cakes were in a span of `kind` at once.
pub fn overlap(a: &[Span], b: &[Span], kind: Kind) -> f64 {
    overlap_within(a, b, kind, 0.0, f64::INFINITY)
}

/// Like `overlap`, but only counting the window `from..to`. A cake's own spans never
/// overlap each other, so summing over all pairs counts every shared instant once.
fn overlap_within(a: &[Span], b: &[Span], kind: Kind, from: f64, to: f64) -> f64 {
    let mut shared = 0.0;
    for x in a.iter().filter(|s| s.kind == kind) {
        for y in b.iter().filter(|s| s.kind == kind) {
            let start = x.start.max(y.start).max(from);
            let end = x.end.min(y.end).min(to);
            shared += (end - start).max(0.0);
        }
    }
    shared
}

/// Seconds of the window `from..to` that one cake spent in spans of `kind`.
fn covered(spans: &[Span], kind: Kind, from: f64, to: f64) -> f64 {
    spans
        .iter()
        .filter(|s| s.kind == kind)
        .map(|s| (s.end.min(to) - s.start.max(from)).max(0.0))
        .sum()
}

/// One character per `cell` seconds, from the kitchen opening to `total`: whatever the cake
/// spent most of that cell doing. `#` mixing, `~` in the oven, `.` waiting for a baker,
/// blank once the cake is done.
pub fn row(spans: &[Span], total: f64, cell: f64) -> String {
    let done_at = spans.iter().map(|s| s.end).fold(0.0, f64::max);
    cells(total, cell)
        .map(|(from, to)| {
            let mix = covered(spans, Kind::Mix, from, to);
            let oven = covered(spans, Kind::Oven, from, to);
            let done = (to - from.max(done_at)).max(0.0);
            let waiting = (to - from) - mix - oven - done;
            let most = mix.max(oven).max(done).max(waiting);
            if most <= 0.0 {
                ' '
            } else if mix == most {
                '#'
            } else if oven == most {
                '~'
            } else if waiting == most {
                '.'
            } else {
                ' '
            }
        })
        .collect()
}

/// The both row: in every cell where both cakes were being mixed at once for a third of
/// it or more, `^` if their two mixes got 1.5 cores' worth of CPU or more between them
/// (parallel), `-` if less (both under way, but taking turns at the CPU). A mix's cores'
/// worth is its CPU seconds over its wall seconds, averaged over the whole mix.
pub fn both_row(a: &[Span], b: &[Span], total: f64, cell: f64) -> String {
    let worth = |s: &Span| s.cpu / (s.end - s.start).max(1e-9);
    cells(total, cell)
        .map(|(from, to)| {
            let (mut both, mut cpu) = (0.0, 0.0);
            for x in a.iter().filter(|s| s.kind == Kind::Mix) {
                for y in b.iter().filter(|s| s.kind == Kind::Mix) {
                    let start = x.start.max(y.start).max(from);
                    let shared = (x.end.min(y.end).min(to) - start).max(0.0);
                    both += shared;
                    cpu += shared * (worth(x) + worth(y));
                }
            }
            if both * 3.0 < to - from {
                ' '
            } else if cpu >= 1.5 * both {
                '^'
            } else {
                '-'
            }
        })
        .collect()
}

/// The windows `(from, to)` of the timeline's cells; the last one may be shorter.
fn cells(total: f64, cell: f64) -> impl Iterator<Item = (f64, f64)> {
    // Rounding must not add a sliver of a cell past the end (72.0000001 cells is 72).
    let count = (total / cell - 1e-6).ceil().max(0.0) as usize;
    (0..count).map(move |i| (i as f64 * cell, ((i + 1) as f64 * cell).min(total)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(kind: Kind, start: f64, end: f64) -> Span {
        Span {
            kind,
            start,
            end,
            cpu: 0.0,
        }
    }

    #[test]
    fn overlap_counts_only_shared_time_of_the_same_kind() {
        let a = [span(Kind::Mix, 0.0, 2.0), span(Kind::Oven, 2.0, 3.0)];
        let b = [span(Kind::Mix, 1.0, 4.0)];
        assert_eq!(overlap(&a, &b, Kind::Mix), 1.0);
        assert_eq!(overlap(&a, &b, Kind::Oven), 0.0);
        assert_eq!(overlap(&a, &a, Kind::Oven), 1.0);
    }

    #[test]
    fn spans_that_touch_do_not_overlap() {
        let a = [span(Kind::Mix, 0.0, 1.0)];
        let b = [span(Kind::Mix, 1.0, 2.0)];
        assert_eq!(overlap(&a, &b, Kind::Mix), 0.0);
    }

    #[test]
    fn a_row_shows_mixing_oven_waiting_and_done() {
        let spans = [span(Kind::Mix, 1.0, 3.0), span(Kind::Oven, 3.0, 4.0)];
        assert_eq!(row(&spans, 6.0, 1.0), ".##~  ");
        assert_eq!(time_in(&spans, Kind::Mix), 2.0);
    }

    #[test]
    fn rounding_adds_no_cell_past_the_end() {
        let spans = [span(Kind::Mix, 0.0, 0.3)];
        let total = 0.3;
        assert_eq!(row(&spans, total, total / 3.0).len(), 3);
        assert_eq!(row(&spans, 0.7, 0.1), "###    ");
    }

    #[test]
    fn both_row_marks_only_simultaneous_mixing() {
        // Each mix got a whole core: where they overlap, two cores' worth: parallel.
        let full = |start: f64, end: f64| Span {
            cpu: end - start,
            ..span(Kind::Mix, start, end)
        };
        assert_eq!(
            both_row(&[full(0.0, 2.0)], &[full(1.0, 3.0)], 3.0, 1.0),
            " ^ "
        );
        // Each got half a core (two threads sharing one): overlapping, not parallel.
        let half = |start: f64, end: f64| Span {
            cpu: (end - start) / 2.0,
            ..span(Kind::Mix, start, end)
        };
        assert_eq!(
            both_row(&[half(0.0, 2.0)], &[half(1.0, 3.0)], 3.0, 1.0),
            " - "
        );
    }
}
