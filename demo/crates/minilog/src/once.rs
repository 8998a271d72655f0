//! A set-once cell for the custom platform, where `std::sync::OnceLock` does
//! not exist: the subset of its API that this crate uses, on an atomic state.
//!
//! `set` never waits: a caller that loses the race to the first `set` gets its
//! value back, as it would from a `OnceLock` that is already initialized.

use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicU8, Ordering};

const EMPTY: u8 = 0;
const WRITING: u8 = 1;
const READY: u8 = 2;

pub(crate) struct OnceLock<T> {
    state: AtomicU8,
    value: UnsafeCell<Option<T>>,
}

// SAFETY: the value is written once, by the only caller that moved the state
// from EMPTY to WRITING, and read only after READY is stored (Release) and
// loaded (Acquire); after that it is only ever shared, as `&T`.
unsafe impl<T: Send + Sync> Sync for OnceLock<T> {}

impl<T> OnceLock<T> {
    pub(crate) const fn new() -> Self {
        OnceLock {
            state: AtomicU8::new(EMPTY),
            value: UnsafeCell::new(None),
        }
    }

    /// Store `value` unless a value is (being) stored already.
    pub(crate) fn set(&self, value: T) -> Result<(), T> {
        if self
            .state
            .compare_exchange(EMPTY, WRITING, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            return Err(value);
        }
        // SAFETY: only this caller got past the exchange, and nobody reads
        // the value before READY is stored below.
        unsafe { *self.value.get() = Some(value) };
        self.state.store(READY, Ordering::Release);
        Ok(())
    }

    pub(crate) fn get(&self) -> Option<&T> {
        if self.state.load(Ordering::Acquire) != READY {
            return None;
        }
        // SAFETY: READY was stored after the only write, so the value is
        // initialized and never written again.
        unsafe { (*self.value.get()).as_ref() }
    }
}
