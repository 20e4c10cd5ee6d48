"""The `giftlive` command line: the top layer. Each module registers one subcommand; handlers parse
arguments and print, the work lives in the layer it belongs to."""
