"""The plugin's database migrations (``makemigrations --check`` in ``make test`` keeps them in step with the models)."""
