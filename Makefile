# Every target creates and uses the local virtualenv .venv: nothing is installed by hand.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
DEMO_DIR ?= demo-output
BENCH_DIR ?= bench-output
BENCH_CUSTOMERS ?= 1000000

.PHONY: demo test test-slow bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/cxmodels simulate $(DEMO_DIR)/world --customers 5000 --seed 42
	$(BIN)/cxmodels validate $(DEMO_DIR)/world --report $(DEMO_DIR)/validation.json
	$(BIN)/cxmodels describe $(DEMO_DIR)/world
	$(BIN)/cxmodels kpis $(DEMO_DIR)/world --by month --out $(DEMO_DIR)/kpis
	cd $(DEMO_DIR) && $(abspath $(BIN))/cxmodels train world
	cd $(DEMO_DIR) && $(abspath $(BIN))/cxmodels score world --out scores/scores.parquet
	cd $(DEMO_DIR) && $(abspath $(BIN))/cxmodels drivers world --out drivers.csv
	cd $(DEMO_DIR) && $(abspath $(BIN))/cxmodels whatif world --set "unresolved_cases=-50%" --set "transfers=-50%"
	cd $(DEMO_DIR) && $(abspath $(BIN))/cxmodels segments list
	cd $(DEMO_DIR) && $(abspath $(BIN))/cxmodels segments export save_now --out segments/save_now.csv
	cd $(DEMO_DIR) && $(abspath $(BIN))/cxmodels segments export save_now --budget 10 --out segments/save_list.csv
	@echo ""
	@echo "Demo outputs, in $(DEMO_DIR)/:"
	@echo "  world/                 the simulated dataset (its ground truth in world/truth/)"
	@echo "  validation.json        the validation report"
	@echo "  kpis/                  kpis.csv and one trend chart per KPI"
	@echo "  mlruns/                the MLflow store (open it with the 'mlflow ui' command above); reports in mlruns/reports/"
	@echo "  scores/scores.parquet  one row per customer: churn risk and reasons, CLV, value tier, segments"
	@echo "  scores.db              the score store the service reads: cd $(DEMO_DIR) && CXMODELS_API_KEY=secret $(abspath $(BIN))/cxmodels serve"
	@echo "  drivers.csv            what each CX problem costs: customers affected, churners and revenue at risk (docs/drivers.md)"
	@echo "  segments/save_now.csv  high-value customers at high churn risk, with their reasons, for marketing"
	@echo "  segments/save_list.csv the 10 save_now customers worth acting on first (net value of a retention offer)"
	@echo ""
	@echo "The dashboard (KPI trends, the driver table, churn by experience, segment downloads):"
	@echo "  cd $(DEMO_DIR) && CXMODELS_API_KEY=secret $(abspath $(BIN))/cxmodels serve"
	@echo "  then open http://127.0.0.1:8000/dashboard and sign in with the key 'secret'"

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadfile -q

test-slow: $(STAMP)
	$(BIN)/python -m pytest -q -m slow

# Each step is its own process, so each peak memory figure is that step's alone.
bench: $(STAMP)
	$(BIN)/pip install --quiet -e ".[bench]"
	$(BIN)/python benchmarks/simulate_bench.py 100000
	$(BIN)/python benchmarks/simulate_bench.py $(BENCH_CUSTOMERS) --out $(BENCH_DIR)/world
	$(BIN)/python benchmarks/validate_bench.py $(BENCH_DIR)/world
	$(BIN)/python benchmarks/import_bench.py --dir $(BENCH_DIR)/import
	$(BIN)/python benchmarks/features_bench.py --data-dir $(BENCH_DIR)/world
	$(BIN)/python benchmarks/value_bench.py --customers $(BENCH_CUSTOMERS) --rows $$(( 20 * $(BENCH_CUSTOMERS) ))
	$(BIN)/python benchmarks/btyd_bench.py --customers $(BENCH_CUSTOMERS)
	$(BIN)/python benchmarks/churn_eval.py
	$(BIN)/python benchmarks/cdnow_eval.py
	$(BIN)/python benchmarks/score_bench.py --rows $(BENCH_CUSTOMERS)
	$(BIN)/python benchmarks/store_bench.py
	$(BIN)/python benchmarks/service_bench.py

clean:
	rm -rf $(VENV) $(DEMO_DIR) $(BENCH_DIR)
