"""One module per `sprint` verb: ``configure(parser)`` and ``run(args) -> int``."""
