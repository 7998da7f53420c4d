//! Work shared across cores. Items are taken in runs by whichever thread
//! is free (costs differ between items, so fixed shares would leave a core
//! waiting), and the results come back in the items' order: nothing
//! downstream depends on the threads.

use std::ops::Range;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Threads worth starting: the cores, at most 8 (past that, starting and
/// joining them costs more than they save at the sizes infrac meets).
fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().min(8))
}

/// `work(state, run)` for every run of `run` consecutive indexes of
/// `0..len`, in order. Each thread makes its `state` once with `init` and
/// keeps it from run to run (caches, scratch space). The calling thread
/// works too; with one core, or one run, nothing is started.
pub fn in_runs<S, R: Send>(
    len: usize,
    run: usize,
    init: impl Fn() -> S + Sync,
    work: impl Fn(&mut S, Range<usize>) -> R + Sync,
) -> Vec<R> {
    let runs = len.div_ceil(run.max(1));
    let next = AtomicUsize::new(0);
    let take_runs = || {
        let mut state = init();
        let mut done = Vec::new();
        loop {
            let n = next.fetch_add(1, Ordering::Relaxed);
            if n >= runs {
                return done;
            }
            let start = n * run;
            done.push((n, work(&mut state, start..(start + run).min(len))));
        }
    };
    let helpers = threads().min(runs).saturating_sub(1);
    let mut done: Vec<(usize, R)> = if helpers == 0 {
        take_runs()
    } else {
        std::thread::scope(|scope| {
            let started: Vec<_> = (0..helpers).map(|_| scope.spawn(take_runs)).collect();
            let mut done = take_runs();
            for thread in started {
                done.extend(thread.join().expect("workers do not panic"));
            }
            done
        })
    };
    done.sort_unstable_by_key(|(n, _)| *n);
    done.into_iter().map(|(_, r)| r).collect()
}

/// `f` of every item, each item a run of its own.
pub fn map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    in_runs(items.len(), 1, || (), |_, run| f(&items[run.start]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_back_in_order_whatever_the_runs() {
        for (len, run) in [(0, 4), (1, 4), (7, 1), (1000, 7), (4096, 512), (10, 100)] {
            let runs = in_runs(len, run, Vec::new, |seen: &mut Vec<usize>, r| {
                // The state is kept by one thread from run to run.
                seen.push(r.start);
                assert!(seen.windows(2).all(|w| w[0] < w[1]));
                r.collect::<Vec<_>>()
            });
            let flat: Vec<usize> = runs.into_iter().flatten().collect();
            assert_eq!(flat, (0..len).collect::<Vec<_>>());
        }
        let items: Vec<u32> = (0..100).collect();
        assert_eq!(
            map(&items, |i| i * 2),
            (0..100).map(|i| i * 2).collect::<Vec<_>>()
        );
    }
}
