//! The work of checking a runbook that could grow faster than the file: bytes read to turn
//! byte offsets into `line:column` places, and step names compared to resolve jumps. Counted
//! in unit tests so that a test can assert it grows linearly with the file (wall time on a
//! shared machine cannot show that; a count can).

#[cfg(test)]
thread_local! {
    static UNITS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

#[cfg(test)]
pub fn add(units: usize) {
    UNITS.with(|u| u.set(u.get().saturating_add(units)));
}

/// The count since the last `take` on this thread, and a fresh start.
#[cfg(test)]
pub fn take() -> usize {
    UNITS.with(|u| u.replace(0))
}

/// Outside unit tests, counting costs nothing.
#[cfg(not(test))]
#[inline(always)]
pub fn add(_units: usize) {}
