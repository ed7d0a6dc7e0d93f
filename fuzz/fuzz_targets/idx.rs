#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (images, labels) = erstes_netz_fuzz::split_idx(data);
    let images = erstes_netz_fuzz::file("bilder-idx3-ubyte", images);
    let labels = erstes_netz_fuzz::file("labels-idx1-ubyte", labels);
    if let Ok((x, y)) = erstes_netz::load_idx(&images, &labels) {
        assert_eq!(x.nrows(), y.len());
        assert!(x.iter().all(|&p| (0.0..=255.0).contains(&p)));
        assert!(y.iter().all(|&l| l <= 9));
    }
});
