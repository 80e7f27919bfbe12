"""Generation requests: the form, the source-face check, supervision (approve / reject)."""
