//! Where an epoch's time goes: `erstes-netz train --profile`.
//!
//! The lesson's functions time their steps (each matrix product, each
//! elementwise pass) when profiling is switched on with [`enable`]; off, a
//! step costs one relaxed atomic load. [`report`] sums the times per step
//! over all calls, with the work each step did (multiply-adds of the
//! products, bytes the elementwise passes read and write), so that each
//! step's speed can be held against its own limit.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

static ENABLED: AtomicBool = AtomicBool::new(false);
static STEPS: Mutex<Vec<Step>> = Mutex::new(Vec::new());

/// The summed time and work of one step of the lesson's functions.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// What the step computes, in the lesson's notation, e.g. `z_1 = x·w[0]ᵀ`.
    pub name: &'static str,
    /// How often it ran.
    pub calls: u64,
    /// Wall-clock time of all calls.
    pub time: Duration,
    /// Floating-point operations of all calls, counting the zeros a dense
    /// product would multiply (a multiply-add is two).
    pub flops: f64,
    /// Bytes of the arrays the calls read and wrote (each array once).
    pub bytes: f64,
}

/// What one call of a step does: its floating-point operations and the
/// bytes of the arrays it reads and writes.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Work {
    pub flops: f64,
    pub bytes: f64,
}

impl Work {
    /// A matrix product (m × k) · (k × n), reading both factors, writing the result.
    pub fn product(m: usize, k: usize, n: usize) -> Work {
        let (m, k, n) = (m as f64, k as f64, n as f64);
        Work {
            flops: 2.0 * m * k * n,
            bytes: 8.0 * (m * k + k * n + m * n),
        }
    }

    /// An elementwise pass over arrays of `elements` f64 each, reading
    /// `reads` of them and writing `writes`, with `flops` operations per element.
    pub fn pass(elements: usize, reads: usize, writes: usize, flops: usize) -> Work {
        let e = elements as f64;
        Work {
            flops: e * flops as f64,
            bytes: 8.0 * e * (reads + writes) as f64,
        }
    }
}

/// Switches the step timing on (for the whole process) and clears what was recorded.
pub fn enable() {
    STEPS.lock().unwrap_or_else(|e| e.into_inner()).clear();
    ENABLED.store(true, Ordering::Relaxed);
}

/// Switches the step timing off; what was recorded stays for [`report`].
pub fn disable() {
    ENABLED.store(false, Ordering::Relaxed);
}

/// The steps recorded since [`enable`], in the order they first ran.
pub fn report() -> Vec<Step> {
    STEPS.lock().unwrap_or_else(|e| e.into_inner()).clone()
}

/// Runs `f` as step `name`, timing it when profiling is on.
#[inline]
pub(crate) fn step<T>(name: &'static str, work: impl FnOnce() -> Work, f: impl FnOnce() -> T) -> T {
    if !ENABLED.load(Ordering::Relaxed) {
        return f();
    }
    let start = Instant::now();
    let out = f();
    let time = start.elapsed();
    let work = work();
    let mut steps = STEPS.lock().unwrap_or_else(|e| e.into_inner());
    match steps.iter_mut().find(|s| s.name == name) {
        Some(s) => {
            s.calls += 1;
            s.time += time;
            s.flops += work.flops;
            s.bytes += work.bytes;
        }
        None => steps.push(Step {
            name,
            calls: 1,
            time,
            flops: work.flops,
            bytes: work.bytes,
        }),
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_only_when_enabled_and_sums_per_step() {
        // Tests run in threads of one process: only this test switches profiling on.
        assert_eq!(step("off", || Work::pass(1, 1, 1, 1), || 7), 7);
        enable();
        step("a", || Work::product(2, 3, 4), || ());
        step("b", || Work::pass(10, 2, 1, 3), || ());
        step("a", || Work::product(2, 3, 4), || ());
        disable();
        step("a", || Work::product(2, 3, 4), || ());
        let r = report();
        let names: Vec<_> = r.iter().map(|s| s.name).collect();
        assert!(!names.contains(&"off"));
        let a = r.iter().find(|s| s.name == "a").unwrap();
        assert_eq!(a.calls, 2);
        // 2 · (2·3·4) flops per call; (6 + 12 + 8) · 8 bytes per call
        assert_eq!(a.flops, 96.0);
        assert_eq!(a.bytes, 416.0);
        let b = r.iter().find(|s| s.name == "b").unwrap();
        assert_eq!((b.calls, b.flops, b.bytes), (1, 30.0, 240.0));
    }
}
