//! Discord snowflakes are u64; PostgreSQL has no unsigned 64-bit type, so they are stored as
//! BIGINT. Every snowflake Discord issues fits in 63 bits (the top bit is the timestamp's, which
//! will not be set before the year 2084), so the cast is lossless.

pub fn to_db(id: u64) -> i64 {
    id as i64
}

pub fn from_db(id: i64) -> u64 {
    id as u64
}
