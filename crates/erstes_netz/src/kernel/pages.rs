//! New output arrays on huge pages, where Linux offers them.
//!
//! Idea: memory of many megabytes that a process touches for the first time
//! costs a page fault per 4 KiB page: about 2.5 µs on the 2-core virtual
//! machines this course is measured on, close to 90 ms for a 60,000 × 300
//! array (144 MB, 35,000 pages). numpy asks Linux for transparent huge pages
//! for its large arrays (`madvise(MADV_HUGEPAGE)`); the kernels' outputs here
//! do the same: 2 MiB pages, 512 times fewer faults, and fewer misses in the
//! address translation afterwards. With [`crate::keep_freed_memory`] later
//! epochs reuse memory that is already there, so the gain is mostly in the
//! first epoch.
//!
//! Measured (README, "Neue Arrays auf großen Seiten"): two new 144 MB arrays
//! written in 200 ms on 4 KiB pages, 57 ms on huge pages. The command line,
//! four Fashion-MNIST epochs with loading: 121,000 page faults instead of
//! 190,000, wall time 0.93 of before (6 alternating pairs, 0.86–1.03),
//! system time 0.89 s against 1.10 s; the median of epochs 2–8 did not change
//! measurably (1.02 and, on the bundled digits, 1.08 of before, 4 pairs each).
//!
//! The advice changes neither contents nor results, and it is only advice:
//! where Linux has huge pages switched off, or on other systems, nothing
//! changes.

use std::mem::MaybeUninit;

use rayon::prelude::*;

/// From this size on, an array is worth advising (numpy's limit: 4 MiB).
const ADVISE_FROM: usize = 4 << 20;

/// `len` zeros in a new vector whose memory Linux may back with huge pages.
pub(crate) fn zeroed(len: usize) -> Vec<f64> {
    // calloc: a large block is fresh from mmap and not yet touched, so the
    // advice comes before the first fault.
    let v = vec![0.0f64; len];
    advise_huge_pages(v.as_ptr(), v.len());
    v
}

/// A new vector of `len` values, advised like [`zeroed`], made in parts of
/// `part` values on all cores: each part is set to zeros, then `work(i, part)`
/// computes part i in it.
///
/// Why not [`zeroed`]: a large block that the allocator hands out again (it
/// keeps freed memory, [`crate::keep_freed_memory`]) is cleared by `calloc` in
/// one pass over the whole array before any task starts, and each task then
/// brings its part back from memory. Cleared by the task just before it adds
/// to it, the part is in its cache. Measured for x·W₀ᵀ (`sparse_left.rs`).
pub(crate) fn zeroed_in_parts<F>(len: usize, part: usize, work: F) -> Vec<f64>
where
    F: Fn(usize, &mut [f64]) + Sync,
{
    let mut v = Vec::with_capacity(len);
    advise_huge_pages(v.as_ptr(), len);
    if len > 0 {
        v.spare_capacity_mut()[..len]
            .par_chunks_mut(part)
            .enumerate()
            .for_each(|(i, part)| {
                part.fill(MaybeUninit::new(0.0));
                // SAFETY: every element was written just above, and
                // MaybeUninit<f64> has the layout of f64.
                work(i, unsafe {
                    &mut *(part as *mut [MaybeUninit<f64>] as *mut [f64])
                });
            });
    }
    // SAFETY: the parts cover the first len values, and each was written
    // (zeros) before its work ran; a panic in a part never gets here.
    unsafe { v.set_len(len) };
    v
}

/// Advises the `len` values of the allocation at `start` (none need be written yet).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn advise_huge_pages(start: *const f64, len: usize) {
    const PAGE: usize = 4096;
    let bytes = len * std::mem::size_of::<f64>();
    if bytes < ADVISE_FROM {
        return;
    }
    let start = start as usize;
    let first = start.next_multiple_of(PAGE);
    let end = start + bytes;
    // SAFETY: madvise with MADV_HUGEPAGE only tells the kernel how to back
    // these pages; it changes no contents. The range lies inside the vector's own
    // allocation (first ≥ start, end is its end), and a failure (e.g. huge
    // pages not compiled in) is harmless advice not taken.
    unsafe {
        libc::madvise(first as *mut libc::c_void, end - first, libc::MADV_HUGEPAGE);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn advise_huge_pages(_: *const f64, _: usize) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zeroed_gives_zeros_small_and_large() {
        for len in [0, 1, 1000, ADVISE_FROM / 8 + 3] {
            let v = zeroed(len);
            assert_eq!(v.len(), len);
            assert!(v.iter().all(|&x| x == 0.0));
        }
    }

    #[test]
    fn parts_start_as_zeros_whatever_the_memory_held() {
        for (len, part) in [(0, 5), (7, 3), (ADVISE_FROM / 8 + 3, 1000)] {
            // freed memory full of NaN, which the allocator may hand out again
            drop(vec![f64::NAN; len]);
            let seen = std::sync::Mutex::new(Vec::new());
            let v = zeroed_in_parts(len, part, |i, values| {
                assert!(values.iter().all(|&x| x == 0.0 && x.is_sign_positive()));
                seen.lock().unwrap().push((i, values.len()));
                values[0] = i as f64 + 1.0;
            });
            assert_eq!(v.len(), len);
            let mut seen = seen.into_inner().unwrap();
            seen.sort();
            let expected: Vec<_> = (0..len.div_ceil(part))
                .map(|i| (i, part.min(len - i * part)))
                .collect();
            assert_eq!(seen, expected, "len {len}, parts of {part}");
            for (i, chunk) in v.chunks(part).enumerate() {
                assert_eq!(chunk[0], i as f64 + 1.0);
                assert!(chunk[1..].iter().all(|&x| x == 0.0));
            }
        }
    }

    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    #[test]
    fn large_arrays_are_advised_for_huge_pages() {
        // /proc/self/smaps marks advised mappings with "hg" in VmFlags.
        let v = zeroed(16 << 20); // 128 MB: its own mapping
        let addr = v.as_ptr() as usize + v.len() * 4; // the middle of its bytes
        let smaps = std::fs::read_to_string("/proc/self/smaps").unwrap();
        let mut flags = None;
        let mut inside = false;
        for line in smaps.lines() {
            if let Some((range, _)) = line.split_once(' ')
                && let Some((lo, hi)) = range.split_once('-')
                && let (Ok(lo), Ok(hi)) =
                    (usize::from_str_radix(lo, 16), usize::from_str_radix(hi, 16))
            {
                inside = (lo..hi).contains(&addr);
            } else if inside && let Some(f) = line.strip_prefix("VmFlags:") {
                flags = Some(f.to_string());
            }
        }
        let flags = flags.expect("the array's mapping in /proc/self/smaps");
        assert!(
            flags.split_whitespace().any(|f| f == "hg"),
            "VmFlags:{flags}"
        );
    }
}
