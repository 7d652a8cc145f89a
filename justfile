# Task runner: the recipes are the commands CI runs (.ci/run), plus the demo.

# List recipes.
default:
    @just --list

# Everything CI runs, in order.
ci: fmt-check lint test

# Check formatting.
fmt-check:
    cargo fmt --all -- --check

# Format the workspace.
fmt:
    cargo fmt --all

# Clippy with warnings as errors.
lint:
    cargo clippy --workspace --all-targets -- -D warnings

# Unit, integration and doc tests.
test:
    cargo test --workspace

# Doctests only.
doctest:
    cargo test --workspace --doc

# Build and run the M5 sample backtest into out/.
demo:
    ./demo.sh
