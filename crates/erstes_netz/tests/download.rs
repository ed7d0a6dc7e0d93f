//! Downloads against a tiny HTTP server on 127.0.0.1: complete files land in
//! the cache, broken ones leave nothing behind that could be read as data.
#![cfg(feature = "download")]

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

use erstes_netz::{
    DataSource, Error, MNIST_LABEL_COUNTS, download_fashion_mnist, download_file, download_mnist,
    load_csv, sha256_of_data, verify_sha256,
};

fn csv_rows(labels: &[u8]) -> Vec<u8> {
    labels
        .iter()
        .map(|l| format!("{l}{}\n", ",17".repeat(784)))
        .collect::<String>()
        .into_bytes()
}

/// Serves fixed answers per path until the test ends; counts requests.
struct Server {
    base: String,
    requests: Arc<AtomicUsize>,
}

fn answer(path: &str) -> Vec<u8> {
    let ok = |body: Vec<u8>| {
        let mut r = format!(
            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        )
        .into_bytes();
        r.extend(body);
        r
    };
    match path {
        "/train" => ok(csv_rows(&[1, 2, 3])),
        "/test" => ok(csv_rows(&[4])),
        "/garbage" => ok(b"<html>Anmeldung erforderlich</html>\n".to_vec()),
        // Well-formed IDX files that are not Fashion-MNIST (a wrong mirror).
        p if p.starts_with("/fashion/") && p.contains("labels") => {
            ok([&[0, 0, 8, 1, 0, 0, 0, 2][..], &[3, 4]].concat())
        }
        p if p.starts_with("/fashion/") => ok([
            &[0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 28, 0, 0, 0, 28][..],
            &[7u8; 2 * 784],
        ]
        .concat()),
        "/short" => {
            let body = csv_rows(&[1, 2, 3]);
            let mut r = format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            )
            .into_bytes();
            r.extend(&body[..body.len() / 3]);
            r
        }
        _ => b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_vec(),
    }
}

fn handle(stream: TcpStream) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut request_line = String::new();
    reader.read_line(&mut request_line).unwrap();
    let path = request_line
        .split_whitespace()
        .nth(1)
        .unwrap_or("/")
        .to_string();
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).unwrap() == 0 || header == "\r\n" {
            break;
        }
    }
    let mut stream = stream;
    let _ = stream.write_all(&answer(&path));
    let _ = stream.shutdown(std::net::Shutdown::Both);
}

fn serve() -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let requests = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&requests);
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            counter.fetch_add(1, Ordering::SeqCst);
            thread::spawn(move || handle(stream));
        }
    });
    Server { base, requests }
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn assert_nothing_cached(dir: &Path) {
    let left = files_in(dir);
    assert!(left.is_empty(), "left behind: {left:?}");
}

#[test]
fn download_mnist_fills_the_cache_once() {
    let server = serve();
    let dir = tempfile::tempdir().unwrap();
    let urls = [
        format!("{}/train", server.base),
        format!("{}/test", server.base),
    ];
    let source = download_mnist(dir.path(), Some([&urls[0], &urls[1]])).unwrap();
    assert!(matches!(source, DataSource::FullCsv { .. }), "{source:?}");
    assert_eq!(files_in(dir.path()), ["mnist_test.csv", "mnist_train.csv"]);
    let data = source.load().unwrap();
    assert_eq!(data.train_labels.to_vec(), vec![1, 2, 3]);
    assert_eq!(data.test_images[[0, 783]], 17.0);
    assert_eq!(server.requests.load(Ordering::SeqCst), 2);

    // Second call: served from the cache, no request.
    download_mnist(dir.path(), Some([&urls[0], &urls[1]])).unwrap();
    assert_eq!(server.requests.load(Ordering::SeqCst), 2);
}

#[test]
fn interrupted_download_leaves_nothing_behind() {
    let server = serve();
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("mnist_train.csv");
    let err = download_file(&format!("{}/short", server.base), &dest, |_| Ok(())).unwrap_err();
    assert!(matches!(err, Error::Download { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.contains("/short") && msg.contains("nichts abgelegt"),
        "{msg}"
    );
    assert_nothing_cached(dir.path());
    // The data folder still reads as "no full MNIST here".
    assert!(matches!(
        DataSource::find(dir.path()).unwrap(),
        DataSource::Bundled { .. }
    ));
}

#[test]
fn http_error_is_reported() {
    let server = serve();
    let dir = tempfile::tempdir().unwrap();
    let err = download_file(
        &format!("{}/weg", server.base),
        &dir.path().join("x.csv"),
        |_| Ok(()),
    )
    .unwrap_err();
    assert!(err.to_string().contains("404"), "{err}");
    assert!(files_in(dir.path()).is_empty());
}

#[test]
fn a_page_that_is_not_data_is_not_cached() {
    let server = serve();
    let dir = tempfile::tempdir().unwrap();
    let urls = [
        format!("{}/garbage", server.base),
        format!("{}/test", server.base),
    ];
    let err = download_mnist(dir.path(), Some([&urls[0], &urls[1]])).unwrap_err();
    assert!(matches!(err, Error::Download { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.contains("/garbage") && msg.contains("Zeile 1") && msg.contains("785 Spalten"),
        "{msg}"
    );
    assert_nothing_cached(dir.path());
}

#[test]
fn unreachable_server_is_reported() {
    // Bind and drop to get a port where nobody listens.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = tempfile::tempdir().unwrap();
    let err = download_file(
        &format!("http://127.0.0.1:{port}/x"),
        &dir.path().join("x"),
        |_| Ok(()),
    )
    .unwrap_err();
    assert!(matches!(err, Error::Download { .. }), "{err:?}");
    assert!(files_in(dir.path()).is_empty());
}

#[test]
fn check_sees_the_complete_file() {
    let server = serve();
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("mnist_test.csv");
    let mut rows = 0;
    download_file(&format!("{}/train", server.base), &dest, |tmp| {
        rows = load_csv(tmp)?.1.len();
        Ok(())
    })
    .unwrap();
    assert_eq!(rows, 3);
    assert_eq!(load_csv(&dest).unwrap().1.len(), 3);
}

#[test]
fn fashion_files_with_the_wrong_content_are_not_cached() {
    let server = serve();
    let dir = tempfile::tempdir().unwrap();
    let err =
        download_fashion_mnist(dir.path(), Some(&format!("{}/fashion", server.base))).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("train-images-idx3-ubyte.gz")
            && msg.contains("nicht den erwarteten Inhalt")
            && msg.contains("erwartet c59f468a")
            && msg.contains("nichts abgelegt"),
        "{msg}"
    );
    assert_nothing_cached(dir.path());
}

#[test]
fn sha256_is_taken_of_the_decompressed_data() {
    use std::io::Write as _;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("abc.gz");
    let mut gz = flate2::write::GzEncoder::new(
        std::fs::File::create(&path).unwrap(),
        flate2::Compression::default(),
    );
    gz.write_all(b"abc").unwrap();
    gz.finish().unwrap();
    // SHA-256("abc") from FIPS 180-2, appendix B.1.
    let abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    assert_eq!(sha256_of_data(&path).unwrap(), abc);
    verify_sha256(&path, abc).unwrap();
    let err = verify_sha256(&path, &"0".repeat(64)).unwrap_err();
    assert!(matches!(err, Error::Checksum { .. }), "{err:?}");
}

#[test]
fn mnist_label_counts_are_mnists() {
    // The published sizes: 60,000 training and 10,000 test images.
    assert_eq!(MNIST_LABEL_COUNTS[0].iter().sum::<usize>(), 60_000);
    assert_eq!(MNIST_LABEL_COUNTS[1].iter().sum::<usize>(), 10_000);
}
