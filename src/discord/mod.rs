//! Everything that speaks Discord: the port services act through, and (with the interface issue)
//! the poise commands and gateway event handlers.

pub mod port;
