# Shortcuts for developers; the README's two commands are the reference.
.PHONY: install test lint bench

install:
	python3 -m venv .venv && .venv/bin/pip install -e '.[test]'

test:
	.venv/bin/python -m pytest

lint:
	ruff check pipeline tests && mypy pipeline

bench:
	.venv/bin/python -m bench.run
