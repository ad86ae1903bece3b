//! Use cases: import, evaluate, summarise, build the demo; authorise, compute, persist with audit.
