//! Shared pieces of the fuzz targets: an allocation limit and input files.
//!
//! Without AddressSanitizer (we fuzz on the stable toolchain), libFuzzer's
//! `-malloc_limit_mb` has no effect, and Linux overcommit lets a huge
//! allocation "succeed" without touching memory. This allocator makes any
//! single allocation above [`ALLOC_LIMIT`] a crash that libFuzzer records.

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// No loader needs more than this at once for a fuzz input of a few KiB.
pub const ALLOC_LIMIT: usize = 512 << 20;

pub struct LimitedAlloc;

// SAFETY: forwards to the system allocator unchanged; only refuses by aborting.
unsafe impl GlobalAlloc for LimitedAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        check(layout.size());
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        check(layout.size());
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        check(new_size);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

fn check(size: usize) {
    if size > ALLOC_LIMIT {
        // No formatting machinery here: it could allocate again.
        let _ = std::io::stderr()
            .write_all(b"fuzz: allocation above ALLOC_LIMIT (unbounded allocation)\n");
        std::process::abort();
    }
}

#[global_allocator]
static GLOBAL: LimitedAlloc = LimitedAlloc;

/// A private folder for this fuzzing process's input files.
fn dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("erstes_netz_fuzz_{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp folder for fuzz inputs");
        dir
    })
}

/// Writes `bytes` to the file `name` in this process's folder.
pub fn file(name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir().join(name);
    std::fs::write(&path, bytes).expect("write fuzz input");
    path
}

/// Splits an IDX fuzz input into (images, labels): the first two bytes
/// (little endian) give the length of the images part.
/// The same split is used by the regression test in `crates/erstes_netz/tests`.
pub fn split_idx(data: &[u8]) -> (&[u8], &[u8]) {
    if data.len() < 2 {
        return (data, &[]);
    }
    let rest = &data[2..];
    let at = usize::from(u16::from_le_bytes([data[0], data[1]])).min(rest.len());
    rest.split_at(at)
}
