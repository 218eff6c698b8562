"""Team goals and working agreements: the grammar, where goals are kept, how weeks stand
against them, and what the digest, `/metrics goal` and the report say about them."""
