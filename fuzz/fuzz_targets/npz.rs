#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = erstes_netz_fuzz::file("gewichte.npz", data);
    if let Ok((w, b)) = erstes_netz::load_weights(&path) {
        assert_eq!(w[0].nrows(), b[0].len());
        assert_eq!(w[1].ncols(), w[0].nrows());
        assert_eq!(w[1].nrows(), b[1].len());
    }
});
