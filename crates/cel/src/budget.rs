//! The cost budget of one evaluation.
//!
//! The `cel` crate has no cost tracking, so the budget is kept here, per thread (an evaluation
//! runs on one thread, start to end): the compiler wraps every comprehension range in a charge of
//! its size (so nested loops are charged for every inner iteration), library functions charge
//! for the work they do, and variable results are charged for their size. Exceeding the budget,
//! or running past the deadline, makes the charging call fail, which fails the expression.
//!
//! Units are not cel-go's, but are of the same order for the loops that dominate real costs:
//! one unit per comprehension iteration, one per library call plus its input size / 64.

use cel::ExecutionError;
use std::cell::Cell;
use std::time::{Duration, Instant};

/// What ended an evaluation early
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exhausted {
    /// The cost limit was reached
    Cost,
    /// The deadline passed
    Timeout,
}

thread_local! {
    static REMAINING: Cell<u64> = const { Cell::new(u64::MAX) };
    static USED: Cell<u64> = const { Cell::new(0) };
    static DEADLINE: Cell<Option<Instant>> = const { Cell::new(None) };
    static TRIPPED: Cell<Option<Exhausted>> = const { Cell::new(None) };
    static CHARGES: Cell<u32> = const { Cell::new(0) };
}

/// Limits of one expression evaluation
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Cost units one expression may use (Kubernetes: 1,000,000 per expression)
    pub cost: u64,
    /// Wall-clock time one expression may take
    pub timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            cost: 1_000_000,
            timeout: Duration::from_secs(2),
        }
    }
}

/// Install a budget on this thread; the returned guard restores the previous one (so a
/// variable evaluated inside an expression shares the outer budget)
pub(crate) fn start(cost: u64, timeout: Duration) -> Guard {
    let saved = Guard {
        remaining: REMAINING.get(),
        used: USED.get(),
        deadline: DEADLINE.get(),
        tripped: TRIPPED.get(),
    };
    let deadline = Instant::now().checked_add(timeout);
    let deadline = match (saved.deadline, deadline) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    REMAINING.set(cost.min(saved.remaining));
    USED.set(0);
    DEADLINE.set(deadline);
    TRIPPED.set(None);
    saved
}

/// The budget in force before [`start`]
#[must_use]
pub(crate) struct Guard {
    remaining: u64,
    used: u64,
    deadline: Option<Instant>,
    tripped: Option<Exhausted>,
}

impl Guard {
    /// End this budget: returns the cost used and whether the budget ran out. The used cost is
    /// also charged to the enclosing budget, if any.
    pub(crate) fn finish(self) -> (u64, Option<Exhausted>) {
        let used = USED.get();
        let tripped = TRIPPED.get();
        REMAINING.set(self.remaining.saturating_sub(used));
        USED.set(self.used.saturating_add(used));
        DEADLINE.set(self.deadline);
        TRIPPED.set(self.tripped.or(tripped));
        (used, tripped)
    }
}

/// Charge `units` to the current budget; fails once it is exhausted or the deadline has passed
pub(crate) fn charge(units: u64) -> Result<(), ExecutionError> {
    if let Some(t) = TRIPPED.get() {
        return Err(exhausted_error(t));
    }
    let remaining = REMAINING.get();
    USED.set(USED.get().saturating_add(units));
    if units > remaining {
        REMAINING.set(0);
        TRIPPED.set(Some(Exhausted::Cost));
        return Err(exhausted_error(Exhausted::Cost));
    }
    REMAINING.set(remaining - units);
    // the clock is read every 64 charges: cheap, and often enough for loops of library calls
    let n = CHARGES.get().wrapping_add(1);
    CHARGES.set(n);
    if (n & 63 == 0 || units > 1_000)
        && let Some(deadline) = DEADLINE.get()
        && Instant::now() > deadline
    {
        TRIPPED.set(Some(Exhausted::Timeout));
        return Err(exhausted_error(Exhausted::Timeout));
    }
    Ok(())
}

/// Charge for work proportional to `bytes` of input
pub(crate) fn charge_size(bytes: usize) -> Result<(), ExecutionError> {
    charge(1 + (bytes as u64) / 64)
}

/// The budget was exhausted during the current evaluation
pub(crate) fn tripped() -> Option<Exhausted> {
    TRIPPED.get()
}

pub(crate) fn exhausted_error(e: Exhausted) -> ExecutionError {
    ExecutionError::function_error(
        "cost",
        match e {
            Exhausted::Cost => "operation cancelled: actual cost limit exceeded",
            Exhausted::Timeout => "operation cancelled: evaluation timed out",
        },
    )
}
