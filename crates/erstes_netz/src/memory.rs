//! Keeping freed memory for reuse, so big arrays are not faulted in anew.

/// Tells the C allocator to keep freed memory in the process for the next
/// allocation instead of handing every large block back to the system.
///
/// A training epoch allocates and frees arrays of 100 MB and more several
/// times (z_1, a_1, dz_1 for 60,000 images). glibc returns each such block to
/// the system when it is freed, and the next one must be faulted in again,
/// page by page: measured here about 60 ms per 144 MB, a third of an epoch.
/// With this setting the freed blocks are reused. The peak memory stays the
/// same; the process simply does not shrink between epochs. Does nothing on
/// systems other than Linux with glibc. Called by the command line and by
/// [`crate::notebook::setup`].
pub fn keep_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator parameters; it is safe to call at
    // any time, also while other threads allocate.
    unsafe {
        libc::mallopt(libc::M_MMAP_MAX, 0);
        libc::mallopt(libc::M_TRIM_THRESHOLD, i32::MAX);
    }
}
