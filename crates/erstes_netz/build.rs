//! Puts a hash of the crate's sources on its rustc command line.
//!
//! The course's Rust kernel (scripts/kernel/) compiles this crate without
//! incremental compilation, so that evcxr's `:cache` keeps the compiled crate
//! and the first cell of a new kernel does not compile it again. That cache
//! knows a crate only by its rustc arguments, not by its sources: the hash,
//! passed as `--cfg erstes_netz_sources="…"`, makes an edited crate a new
//! cache entry instead of handing back the old build.

use std::collections::hash_map::DefaultHasher;
use std::fs;
use std::hash::Hasher;
use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).expect("src/ is readable").flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, found);
        } else {
            found.push(path);
        }
    }
}

fn main() {
    println!("cargo::rerun-if-changed=src");
    println!("cargo::rustc-check-cfg=cfg(erstes_netz_sources, values(any()))");
    let mut files = Vec::new();
    rust_files(Path::new("src"), &mut files);
    files.sort();
    let mut hasher = DefaultHasher::new();
    for file in &files {
        hasher.write(file.to_string_lossy().as_bytes());
        hasher.write(&fs::read(file).expect("source file is readable"));
    }
    println!(
        "cargo::rustc-cfg=erstes_netz_sources=\"{:016x}\"",
        hasher.finish()
    );
}
