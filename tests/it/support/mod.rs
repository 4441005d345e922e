pub mod app;
pub mod bot;
pub mod db;
pub mod s3;
