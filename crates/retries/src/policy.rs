//! The four ways to call the flaky service, from "try once" to "back off, and stop
//! calling a service that is down". Each call returns what happened to it.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use reqwest::Client;

/// A small seeded generator (splitmix64): the same seed gives the same numbers, so the
/// service's faults and the clients' jitter repeat from run to run.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// A number in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Policy {
    /// One attempt with a timeout.
    Once,
    /// Up to `attempts`, each retry at once.
    RetryNow,
    /// Up to `attempts`, waiting a random time up to base x 2^n (exponential back-off with
    /// full jitter), never past the call's deadline.
    Backoff,
    /// Back-off, and a circuit breaker in front.
    Breaker,
}

/// The knobs every policy shares.
#[derive(Clone, Copy, Debug)]
pub struct Knobs {
    pub timeout: Duration,
    pub attempts: u32,
    pub base: Duration,
    pub deadline: Duration,
    pub trip_after: u32,
    pub cool_down: Duration,
}

/// How one attempt ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    Failed,
    TimedOut,
    /// The breaker was open: no request was sent.
    Shed,
}

// ANCHOR: breaker
/// A circuit breaker: closed, it lets calls through and counts failures in a row; after
/// `trip_after` of them it opens and fails every call at once, without a request, for
/// `cool_down`; then it lets one trial request through (half-open): success closes it,
/// failure opens it again.
pub struct Breaker {
    state: Mutex<State>,
}

enum State {
    Closed { failures: u32 },
    Open { until: Instant },
    HalfOpen,
}

impl Breaker {
    pub fn new() -> Breaker {
        Breaker {
            state: Mutex::new(State::Closed { failures: 0 }),
        }
    }

    /// May a request go out now?
    pub fn allow(&self, now: Instant) -> bool {
        let mut state = self.state.lock().unwrap();
        match *state {
            State::Closed { .. } => true,
            State::Open { until } if now >= until => {
                *state = State::HalfOpen; // this caller is the trial
                true
            }
            State::Open { .. } | State::HalfOpen => false,
        }
    }

    pub fn record(&self, ok: bool, knobs: &Knobs, now: Instant) {
        let mut state = self.state.lock().unwrap();
        *state = match (&*state, ok) {
            (_, true) => State::Closed { failures: 0 },
            (State::Closed { failures }, false) if failures + 1 < knobs.trip_after => {
                State::Closed {
                    failures: failures + 1,
                }
            }
            _ => State::Open {
                until: now + knobs.cool_down,
            },
        };
    }
}
// ANCHOR_END: breaker

/// One attempt: a GET with the per-call timeout. Anything but a 200 in time is a failure.
async fn attempt(client: &Client, url: &str, timeout: Duration) -> Outcome {
    let request = async {
        let response = client.get(url).send().await?;
        let ok = response.status().is_success();
        response.bytes().await?;
        Ok::<bool, reqwest::Error>(ok)
    };
    match tokio::time::timeout(timeout, request).await {
        Ok(Ok(true)) => Outcome::Ok,
        Ok(_) => Outcome::Failed,
        Err(_) => Outcome::TimedOut,
    }
}

/// One attempt, as the trace and the table see it.
#[derive(Clone, Copy, Debug)]
pub struct Try {
    pub from: Instant,
    pub to: Instant,
    pub outcome: Outcome,
}

// ANCHOR: call
/// One call under a policy: its attempts, in order. The call succeeded if the last one
/// is `Ok`. `jitter` is this call's own seeded generator.
pub async fn call(
    client: &Client,
    url: &str,
    policy: Policy,
    knobs: &Knobs,
    breaker: &Breaker,
    mut jitter: Rng,
) -> Vec<Try> {
    let start = Instant::now();
    // Only the back-off policies keep a deadline; the others stop at `attempts` (an hour
    // stands for "none": `Instant + Duration::MAX` would overflow).
    let backs_off = matches!(policy, Policy::Backoff | Policy::Breaker);
    let deadline = start
        + if backs_off {
            knobs.deadline
        } else {
            Duration::from_secs(3600)
        };
    let mut tries = Vec::new();
    for n in 0..knobs.attempts {
        let from = Instant::now();
        if policy == Policy::Breaker && !breaker.allow(from) {
            tries.push(Try {
                from,
                to: from,
                outcome: Outcome::Shed,
            });
            return tries; // fail fast: the service is (probably) down
        }
        // Never wait for an answer past the deadline.
        let budget = knobs.timeout.min(deadline.saturating_duration_since(from));
        let outcome = attempt(client, url, budget).await;
        let to = Instant::now();
        tries.push(Try { from, to, outcome });
        if policy == Policy::Breaker {
            breaker.record(outcome == Outcome::Ok, knobs, to);
        }
        if outcome == Outcome::Ok || policy == Policy::Once || n + 1 == knobs.attempts {
            break;
        }
        if backs_off {
            // Full jitter: a random wait in [0, base x 2^n), so callers that failed
            // together do not all come back together.
            let cap = knobs.base * 2u32.pow(n);
            let wait = cap.mul_f64(jitter.unit());
            if Instant::now() + wait >= deadline {
                break; // the deadline bounds the whole call, retries included
            }
            tokio::time::sleep(wait).await;
        }
    }
    tries
}
// ANCHOR_END: call
