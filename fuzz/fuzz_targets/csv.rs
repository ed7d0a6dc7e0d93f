#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = erstes_netz_fuzz::file("eingabe.csv", data);
    if let Ok((images, labels)) = erstes_netz::load_csv(&path) {
        assert_eq!(images.nrows(), labels.len());
        assert_eq!(images.ncols(), 784);
        assert!(images.iter().all(|&p| (0.0..=255.0).contains(&p)));
        assert!(labels.iter().all(|&l| l <= 9));
    }
});
