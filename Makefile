# Erstes Neuronales Netz – in Rust.  `make kurs` richtet alles ein und startet den Kurs,
# `make test` prüft alles.
VENV   := .venv
PYTHON := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
NBGRADER_STAMP := $(VENV)/.nbgrader-installed
LESSON := 01_erstes_netz

.PHONY: kurs setup kernel test lint rust-test py-test fuzz fuzz-kurz fuzz-werkzeug browser notebooks loesung-html bench bench-notebook nbgrader-kurs hub bench-hub
BENCH_STAMP := $(VENV)/.bench-installed

## Alles einrichten und JupyterLab mit dem Aufgaben-Notebook starten
kurs: setup
ifeq ($(CI),true)
	@echo "CI: JupyterLab wird nicht gestartet."
else
	$(VENV)/bin/jupyter lab notebooks/aufgaben/$(LESSON).ipynb
endif

## Python-Umgebung und Rust-Kernel (beide zugleich); übersetzt die Bibliotheken für das
## Notebook vorab. Das Programm `erstes-netz` baut `cargo run --release` erst, wenn es gebraucht wird.
setup:
	$(MAKE) --no-print-directory -j2 $(STAMP) kernel
	$(PYTHON) scripts/execute_notebook.py --warm notebooks/aufgaben/$(LESSON).ipynb

$(STAMP): requirements.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(NBGRADER_STAMP): $(STAMP) requirements-nbgrader.txt
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-nbgrader.txt
	touch $@

kernel:
	bash scripts/install_kernel.sh

## Alle Tests: Format, Clippy, Rust-Tests (mit Doc-Tests), kurzes Fuzzing, Python-Tests
## (mit den Notebooks und dem Browser-Test)
test: lint rust-test fuzz-kurz py-test

lint:
	cargo fmt --all --check
	cargo clippy --workspace --all-targets --locked -- -D warnings
	cargo clippy --workspace --all-targets --no-default-features --locked -- -D warnings

rust-test:
	cargo test --workspace --locked

# Two workers, a file each at a time, slowest files first (tests/conftest.py); then the
# tests that time themselves (marked `alone`: three students of the JupyterHub class against
# one alone) with the cores to themselves; the hub's other tests run on the workers.
py-test: setup $(NBGRADER_STAMP) browser
	$(PYTHON) -m pytest -q --durations=15 -n 2 --dist loadfile --no-loadscope-reorder -m "not alone" tests
	$(PYTHON) -m pytest -q --durations=5 -m alone tests

## Browser-Test einrichten: Chromium (Debian-Paket) und playwright-core (npm)
browser:
	bash scripts/install_browser.sh

## Fuzzing der Lader für CSV, IDX und .npz (libFuzzer, stabiler Rust-Compiler), alle drei
## zugleich: FUZZ_SEKUNDEN je Lader, Funde landen in fuzz/artifacts/<lader>/
FUZZ_SEKUNDEN ?= 300
FUZZ_OPTIONEN  = -rss_limit_mb=2048 -timeout=10 -max_len=8192
fuzz: fuzz-werkzeug
	bash scripts/fuzz.sh $(FUZZ_SEKUNDEN) $(FUZZ_OPTIONEN)

## Die kurze Fuzzing-Runde von `make test` (20 Sekunden je Lader)
fuzz-kurz:
	$(MAKE) --no-print-directory fuzz FUZZ_SEKUNDEN=20

fuzz-werkzeug:
	@cargo fuzz --version >/dev/null 2>&1 || cargo install cargo-fuzz --version 0.13.1 --locked

## Aufgaben- und Lösungsnotebooks aus notebooks/quelle/ neu erzeugen
notebooks: $(STAMP)
	$(PYTHON) scripts/build_notebooks.py

## Lösungsnotebooks ausführen und als HTML speichern (für Lehrende)
loesung-html: $(STAMP) kernel
	for nb in notebooks/loesungen/*.ipynb; do \
		name=$$(basename $$nb .ipynb); \
		$(PYTHON) scripts/execute_notebook.py $$nb --out build/$${name}_loesung.ipynb \
			--html build/$${name}_loesung.html || exit 1; \
	done

## Geschwindigkeit: Rust gegen das numpy-Original auf 60.000 Bildern (braucht Fashion-MNIST
## aus dem Debian-Paket dataset-fashion-mnist oder MNIST in data/), dazu die Kernel-Benchmarks
bench: $(STAMP) kernel
	$(PYTHON) scripts/bench.py
	cargo bench -p erstes_netz --bench kernels

## Wartezeiten im Notebook: einfache Zelle, erste Zelle, ganze Lektion 1 gegen das Python-Original,
## Trainings-Epoche im Notebook gegen die Kommandozeile (auf den mitgelieferten Ziffern)
bench-notebook: $(BENCH_STAMP) setup
	$(PYTHON) scripts/bench_notebook.py

$(BENCH_STAMP): $(STAMP) requirements-bench.txt
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-bench.txt
	touch $@

## nbgrader-Kurs anlegen: make nbgrader-kurs KURS=/pfad/zum/kurs [CRATE=/pfad/zu/crates/erstes_netz]
nbgrader-kurs: $(NBGRADER_STAMP) kernel
	@test -n "$(KURS)" || { echo "Bitte KURS=/pfad/zum/kursordner angeben"; exit 2; }
	$(PYTHON) scripts/nbgrader_course.py "$(KURS)" $(if $(CRATE),--crate "$(CRATE)")

## Den Kurs für eine Klasse auf diesem Server einrichten (JupyterHub, nbgrader, für alle
## Konten; als root): make hub LEHRENDE=konto
hub:
	bash scripts/hub/install_hub.sh $(if $(LEHRENDE),--lehrende "$(LEHRENDE)")

## Größenbedarf einer Klasse messen (als root, nach make hub): erste Zelle allein, nach
## anderen, zu fünft, ohne gemeinsamen Cache; Speicher je Studentin
bench-hub:
	/opt/erstes-netz/venv/bin/python scripts/bench_hub.py
