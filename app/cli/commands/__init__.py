"""The ``peerup`` subcommands, one module per topic; :mod:`app.cli.main` assembles them."""
