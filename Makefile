# Erstes Neuronales Netz – in Rust.  `make kurs` richtet alles ein, `make test` prüft alles.
VENV   := .venv
PYTHON := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: kurs setup test lint rust-test py-test train

## Alles einrichten und den Kurs starten
kurs: setup
	./target/release/erstes-netz train

## Python-Umgebung (.venv) und das Programm bauen
setup: $(STAMP)
	cargo build --release --locked

$(STAMP): requirements.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

## Alle Tests: Format, Clippy, Rust-Tests (mit Doc-Tests), Python-Tests
test: lint rust-test py-test

lint:
	cargo fmt --all --check
	cargo clippy --workspace --all-targets --locked -- -D warnings
	cargo clippy --workspace --all-targets --no-default-features --locked -- -D warnings

rust-test:
	cargo test --workspace --locked

py-test: $(STAMP)
	$(PYTHON) -m pytest -q tests
