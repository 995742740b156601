"""`alignfetch check`: the rules, the link checker, and a run of them over a list or READMEs."""
