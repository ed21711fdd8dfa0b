//! The threads that evaluate reviews.
//!
//! Evaluation is CPU-bound (no dialect does I/O), so it runs on a fixed set of threads, about
//! one per core, each taking the next review from one shared queue as soon as it is done with
//! the last. Under load a thread goes from review to review without sleeping; the only hand-off
//! left is the answer going back to the request's task. Against tokio's blocking pool behind
//! a semaphore of four evaluations per core, which it replaced (2026-11-28, 100 mixed
//! policies, 2 cores, both builds in turn): at concurrency 8, 4–25% more reviews/s and a
//! 13–23% lower p99 in each of 7 rounds; at concurrency 64, 1.04–1.39× the reviews/s. More
//! threads than cores only time-slice the same work (8 threads on 2 cores: p99 2.8–3.2 ms
//! against 2.0–2.6 ms with 2). Details in `bench/webhook.md`.

use std::panic::{AssertUnwindSafe, catch_unwind};

/// One review's evaluation, answering through a channel it owns
pub(crate) type Job = Box<dyn FnOnce() + Send>;

/// A fixed set of evaluation threads fed by one queue. Dropping it lets the threads finish the
/// queue and exit. The threads hold the queue's only receivers: with none started, sending
/// fails and the job runs on the caller.
#[derive(Debug)]
pub(crate) struct EvaluationPool {
    queue: crossbeam_channel::Sender<Job>,
}

impl EvaluationPool {
    /// Start `threads` threads (at least one is tried; a thread that cannot be started is
    /// logged and left out)
    pub(crate) fn new(threads: usize) -> Self {
        let (queue, jobs) = crossbeam_channel::unbounded::<Job>();
        for i in 0..threads.max(1) {
            let jobs = jobs.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("palisade-eval-{i}"))
                .spawn(move || {
                    while let Ok(job) = jobs.recv() {
                        run_caught(job);
                    }
                });
            if let Err(e) = spawned {
                tracing::error!(target: "palisade::server", error = %e, "cannot start an evaluation thread");
            }
        }
        Self { queue }
    }

    /// Queue `job` for the next free thread; run it on the caller's thread when there is no
    /// evaluation thread (none could be started)
    pub(crate) fn run(&self, job: Job) {
        if let Err(unsent) = self.queue.send(job) {
            run_caught(unsent.into_inner());
        }
    }
}

/// Run `job`, containing a panic: a panicking evaluation drops its answer channel, which the
/// request reads as an internal error, and the thread goes on with the next review
fn run_caught(job: Job) {
    let _ = catch_unwind(AssertUnwindSafe(job));
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    #[test]
    fn runs_jobs_and_survives_a_panic() {
        let pool = EvaluationPool::new(2);
        let (tx, rx) = mpsc::channel();
        pool.run(Box::new(|| panic!("a bad evaluation")));
        for i in 0..10 {
            let tx = tx.clone();
            pool.run(Box::new(move || tx.send(i).unwrap()));
        }
        let mut got: Vec<i32> = (0..10).map(|_| rx.recv().unwrap()).collect();
        got.sort_unstable();
        assert_eq!(got, (0..10).collect::<Vec<_>>());
    }
}
