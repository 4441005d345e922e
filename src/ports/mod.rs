//! Contracts for the outside world the services act on. Adapters implement them.

pub mod discord;
