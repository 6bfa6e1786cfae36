# The two commands a newcomer needs: `make serve` and `make test`. Both install what they need
# (uv, then the locked dependencies) on first use.
UV := python3 -m uv

.PHONY: serve test lint bench uv sync

serve: sync
	$(UV) run stockade serve

test: sync
	$(UV) run pytest

lint: sync
	$(UV) run ruff check .
	$(UV) run ruff format --check .

bench: sync
	$(UV) run --group bench python -m bench

sync: uv
	$(UV) sync --frozen --quiet

uv:
	@$(UV) --version >/dev/null 2>&1 || python3 -m pip install --quiet "uv>=0.5"

# The browser tests drive Debian's Chromium (never a downloaded build); without it they are
# skipped. Installing needs root, as on CI.
.PHONY: chromium
test: chromium
chromium:
	@command -v chromium >/dev/null 2>&1 || (apt-get update && apt-get install -y chromium) \
		|| echo "Chromium is not installed: the browser tests will be skipped."
