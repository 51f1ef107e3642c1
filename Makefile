# The front door: `make` lists the targets (from their `## ` comments).
# Targets run one tool each; anything with branches belongs in a script.

.DEFAULT_GOAL := help
.PHONY: help dev test test-all lint fmt ci bench image up up-local down migrate check-infra

IMAGE ?= nudge:dev
REVISION ?= $(shell git rev-parse HEAD 2>/dev/null)
COMPOSE := docker compose -f compose/compose.yaml

help: ## List the targets
	@awk 'BEGIN { FS = ":.*## " } /^[a-z-]+:.*## / { printf "  %-12s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)

dev: ## Run everything in one process on SQLite, and text it from this terminal
	cargo run -p nudge -- dev

test: ## Run the tests that need only Rust
	cargo test --workspace

test-all: ## Run every test, also those needing PostgreSQL, Redis and RabbitMQ (NUDGE_TEST_*_URL)
	cargo test --workspace -- --include-ignored

lint: ## Check formatting, and run clippy with warnings as errors
	cargo fmt --all --check
	cargo clippy --workspace --all-targets -- -D warnings

fmt: ## Format the code
	cargo fmt --all

ci: ## Run what CI runs (.ci/run)
	bash .ci/run

bench: ## Run every benchmark in the workspace
	cargo bench --workspace

image: ## Build the container image (IMAGE=nudge:dev) from infra/Dockerfile
	docker build -f infra/Dockerfile -t $(IMAGE) --build-arg REVISION=$(REVISION) .

up: ## Start the distributed stack with Docker Compose (needs the image and compose/.env)
	$(COMPOSE) up -d

up-local: ## Same, plus the fake Twilio (set its values in compose/.env)
	$(COMPOSE) --profile local up -d

down: ## Stop the stack (volumes are kept)
	$(COMPOSE) --profile local --profile monitoring down

migrate: ## Apply the database migrations (config from NUDGE_CONFIG and NUDGE__* variables)
	cargo run -p nudge -- migrate

check-infra: ## Check the Dockerfile, compose and k8s files (infra/check.py)
	python3 infra/check.py
