//! The global allocator of the `palisade` binary and of the benchmarks that must allocate as it
//! does: mimalloc.
//!
//! The `mimalloc` crate sends every allocation through `mi_malloc_aligned`, which re-derives
//! what Rust's layouts almost always say already (an alignment of at most 16 that the size
//! covers) before reaching the same small-block fast path `mi_malloc` takes directly. A
//! webhook review makes 700–800 allocations; entering through `mi_malloc` saved ≈18k of its
//! ≈359k instructions (callgrind over `review_cost`, 2026-11-28). The test for taking the plain
//! path is mimalloc's own (`mi_malloc_is_naturally_aligned`: alignment ≤ `MI_MAX_ALIGN_SIZE`
//! and ≤ size) and the one Rust's `System` allocator uses for `malloc`; anything else still
//! goes through the aligned entry points. (The same change is proposed upstream as
//! purpleprotocol/mimalloc_rust#170.)
//!
//! This is the workspace's only `unsafe` code: implementing `GlobalAlloc` is unsafe by
//! definition, and each method is one FFI call under the contract the caller already holds.
#![allow(unsafe_code)]

use core::alloc::{GlobalAlloc, Layout};
use core::ffi::c_void;
use libmimalloc_sys as mi;

/// mimalloc's `MI_MAX_ALIGN_SIZE`: every block of at least this size is aligned to it, and
/// every smaller block to its own size class (see the module comment)
const NATURAL_ALIGNMENT: usize = 16;

/// Whether a plain (unaligned) mimalloc call already satisfies `align` for `size` bytes
#[inline]
fn naturally_aligned(size: usize, align: usize) -> bool {
    align <= NATURAL_ALIGNMENT && align <= size
}

/// mimalloc, entered through `mi_malloc`/`mi_zalloc`/`mi_realloc` when the layout's alignment
/// is one those already give
pub struct Allocator;

// SAFETY: every method forwards to the mimalloc function with the same contract (the aligned
// variants when the alignment is not one the plain functions guarantee); all memory comes
// from and returns to mimalloc, and `mi_free` takes blocks from either family.
unsafe impl GlobalAlloc for Allocator {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: `layout` has a non-zero size (the caller's contract); mimalloc returns null
        // or a block of at least that size with the alignment checked above
        unsafe {
            if naturally_aligned(layout.size(), layout.align()) {
                mi::mi_malloc(layout.size()).cast()
            } else {
                mi::mi_malloc_aligned(layout.size(), layout.align()).cast()
            }
        }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as `alloc`, zero-filled
        unsafe {
            if naturally_aligned(layout.size(), layout.align()) {
                mi::mi_zalloc(layout.size()).cast()
            } else {
                mi::mi_zalloc_aligned(layout.size(), layout.align()).cast()
            }
        }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, _layout: Layout) {
        // SAFETY: `ptr` came from this allocator (the caller's contract)
        unsafe { mi::mi_free(ptr.cast::<c_void>()) }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: `ptr` came from this allocator with `layout`; a block that moves is a new
        // allocation of `new_size`, naturally aligned under the same test
        unsafe {
            if naturally_aligned(new_size, layout.align()) {
                mi::mi_realloc(ptr.cast::<c_void>(), new_size).cast()
            } else {
                mi::mi_realloc_aligned(ptr.cast::<c_void>(), new_size, layout.align()).cast()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every size and alignment the plain path takes comes back aligned, across mimalloc's
    /// size classes and after growing and shrinking in place or by moving
    #[test]
    fn blocks_are_aligned_on_both_paths() {
        let allocator = Allocator;
        for align in [1, 2, 4, 8, 16, 32, 64, 4096] {
            for size in (1..=600).chain([1000, 4096, 70_000, 1 << 20]) {
                let Ok(layout) = Layout::from_size_align(size, align) else {
                    continue;
                };
                // SAFETY: non-zero sizes; every block is freed with its layout
                unsafe {
                    let block = allocator.alloc(layout);
                    assert!(!block.is_null());
                    assert_eq!(block as usize % align, 0, "size {size} align {align}");
                    block.write_bytes(0xA5, size);
                    let grown = allocator.realloc(block, layout, size * 3);
                    assert_eq!(grown as usize % align, 0, "grown {size} align {align}");
                    assert_eq!(*grown.add(size - 1), 0xA5);
                    let grown_layout = Layout::from_size_align(size * 3, align).unwrap_or(layout);
                    allocator.dealloc(grown, grown_layout);
                    let zeroed = allocator.alloc_zeroed(layout);
                    assert_eq!(zeroed as usize % align, 0);
                    assert!((0..size).all(|i| *zeroed.add(i) == 0));
                    allocator.dealloc(zeroed, layout);
                }
            }
        }
    }

    #[test]
    fn the_plain_path_is_taken_only_where_mimalloc_guarantees_the_alignment() {
        assert!(naturally_aligned(8, 8));
        assert!(naturally_aligned(24, 16));
        assert!(naturally_aligned(1, 1));
        assert!(!naturally_aligned(8, 16), "smaller than its alignment");
        assert!(!naturally_aligned(64, 32), "above MI_MAX_ALIGN_SIZE");
    }
}
