# The habits of this project, one target each. `bash scripts/dev.sh setup` prepares .venv first.
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
export QT_QPA_PLATFORM ?= offscreen
# Test workers (pytest-xdist); tests that share a machine-wide resource run on one (tests/parallel.py).
TEST_WORKERS ?= 2

.PHONY: check fmt lint typecheck test fuzz fuzz-long i18n start bench screenshots bundle deb clean

check: lint typecheck test ## everything CI runs

fmt: ## reformat and fix what ruff can
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck:
	$(BIN)/mypy

test:
	$(PY) -m pytest -q -n $(TEST_WORKERS)

fuzz: ## the fuzz harness as CI runs it (derandomised, ~40 s)
	$(PY) -m pytest -q -m fuzz

fuzz-long: ## the fuzz harness with random seeds and many more examples (minutes)
	HYPOTHESIS_PROFILE=long $(PY) -m pytest -q -m fuzz -p no:cacheprovider --timeout 3600

i18n: ## compile the Qt translation files
	$(PY) -c "from ui.i18n import build_translations; build_translations()"

start: ## the station window on a demo station (real display, or Xvfb when none)
	env -u QT_QPA_PLATFORM bash scripts/start-demo.sh $(ARGS)

bench: ## benchmarks print figures; none of them is a test
	for b in bench/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

SHOT_SIZES ?= 1280x700 1366x768 1920x1080
SHOT_SCALES ?= 1:100 1.25:125

screenshots: ## every screen in both languages at each size and scaling, into .screenshots/SIZE@PCT/
	for size in $(SHOT_SIZES); do for s in $(SHOT_SCALES); do \
	  env -u QT_QPA_PLATFORM xvfb-run -a -s "-screen 0 1920x1080x24" $(PY) scripts/screenshots.py \
	    --size $$size --scale $${s%%:*} --out .screenshots/$$size@$${s##*:} || exit 1; \
	done; done

bundle: i18n ## the one-folder bundle (PyInstaller) in dist/intake-station/
	$(PY) installer/build.py bundle

deb: i18n ## the Debian package dist/intake-station_<version>_<arch>.deb (bundle included)
	$(PY) installer/build.py deb

clean:
	rm -rf .mypy_cache .ruff_cache .pytest_cache build dist
