# Concurrency demos in Rust. `make` or `make all` runs every demo in order; `make test`
# is the project's test command. `make help` lists the rest.
SHELL := bash
.DEFAULT_GOAL := all

# The order of the demos lives in scripts/demos; only crates that exist are listed.
DEMOS := $(shell scripts/list-demos.sh)
# Extra arguments for a single demo: make gather ARGS="--blocking"
ARGS ?=

.PHONY: all build test readme list help bench compare new pictures trace exercises exercise $(DEMOS)

# A reader who closes the pipe (make all | head) ends the runner with SIGPIPE (status 141):
# that is the reader being done, not a failure.
all: build ## build the release binaries once, then run every demo, framed and timed
	@scripts/run-demos.sh $(DEMOS) || { rc=$$?; [ $$rc -eq 141 ] || exit $$rc; }

build: ## build every demo in release mode
	cargo build --release --workspace

test: ## the project's test command: fmt, clippy, shellcheck, README code, copies, every crate's tests and examples, exercises both ways, standalone, scaffold and macOS checks
	cargo fmt --all --check
	cargo clippy --workspace --all-targets -- -D warnings
	@scripts/shellcheck.sh
	scripts/readme-code.sh
	scripts/check-copies.sh
	cargo test --workspace
	scripts/check-exercises.sh
	scripts/check-standalone.sh
	scripts/check-scaffold.sh
	scripts/check-macos.sh

readme: ## rewrite the READMEs' Rust blocks from the files they come from
	@scripts/readme-code.sh --fix

$(DEMOS): ## (one target per demo) run one demo: make gather ARGS="--count 10"
	cargo run --release --quiet -p $@ -- $(ARGS)

bench: build ## measure each demo's headline figure at scale (see BENCHMARKS.md)
	@scripts/bench.sh

compare: build ## run each demo's Python twin beside the Rust one
	@scripts/compare.sh

pictures: build ## run each demo (and twin) with --trace on its README scenario; draw crates/<name>/timeline*.svg
	@scripts/pictures.sh

trace: build ## run one demo and its twin with --trace into target/traces/: make trace DEMO=gather [ARGS=...]
	@scripts/trace.sh $(DEMO) $(ARGS)

exercises: ## every exercise in demo order, with its status (done / to do) for your working copy
	@scripts/exercises.sh

exercise: ## check one exercise, by what it measures: make exercise NAME=gather_one_second [HINT=1]
	@scripts/exercise.sh $(NAME) $(if $(HINT),--hint)

new: ## scaffold a new demo crate: make new NAME=my-demo
	@scripts/new-demo.sh $(NAME)

list: ## the demos, in the order `make all` runs them
	@i=0; for d in $(DEMOS); do i=$$((i+1)); printf '%2d  %-28s %s\n' $$i $$d \
	  "$$(sed -n 's/^description *= *"\(.*\)"$$/\1/p' crates/$$d/Cargo.toml)"; done

help: ## this list
	@echo "Targets:"
	@grep -hE '^[a-z$$()A-Z_-]+:.*## ' $(MAKEFILE_LIST) | \
	  sed -E 's/^([^:]+):.*## (.*)$$/  \1\t\2/' | sed 's/\$$(DEMOS)/<demo>/' | \
	  awk -F'\t' '{ printf "  %-14s %s\n", $$1, $$2 }' | sed 's/^    /  /'
	@echo "Demos: $(DEMOS)"
