pub mod app;
pub mod bot;
pub mod db;
pub mod discord;
pub mod openapi;
pub mod recorded;
pub mod s3;
