//! The PostgreSQL implementation of the ntm store (large deployments).
