//! Pure builders: one per child kind, each a function of the
//! [`ValidInstance`](crate::validate::ValidInstance) (and rendered inputs) with no
//! I/O, so they are unit-tested without a cluster.
